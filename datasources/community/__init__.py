"""The community side (社区侧): streets, communities, grids, compounds, buildings, property
companies, alliances, reports, pairings and the three lists, owned by the community
governance platform."""
