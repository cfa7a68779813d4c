"""Households in need (特殊群体): the community's register, the members and units paired
with them (结对帮扶, 一对一 / 二对一, 天天敲门组) and the visit log (走访记录) (models, lists,
read rules)."""
