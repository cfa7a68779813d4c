"""Residents' and young volunteers' points (居民积分, 小小志愿者): their ledgers, kept apart
from members' points, their part in activities and their redemptions in the points mall
(models, lists, read rules)."""
