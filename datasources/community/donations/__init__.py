"""Donations (爱心捐赠, 捐款捐物): goods or money offered by members, paired units and
residents to a community, accepted or declined by it, handed over to a household in need
or passed on (转赠) (models, lists, read rules)."""
