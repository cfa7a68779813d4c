"""Evidence files (佐证材料): the file store (`storage`) and the content checks (`checks`).
The GraphQL side is `resolvers.attachments`, the download route `gateway.files`."""
