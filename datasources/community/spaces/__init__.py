"""Shared spaces (共享小屋, 红色驿站, 党群服务站 rooms): a community's rooms with their opening
hours, and the slots members, residents and units book in them (models, lists, read rules)."""
