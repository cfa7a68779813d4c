"""The work-unit side (单位侧): units, Party branches and members, owned by the
organisation department and the units' Party systems."""
