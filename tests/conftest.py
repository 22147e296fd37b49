"""Collection of the whole test tree: fixtures hold copies of users' projects (the state-compatibility
stack's backend has its own tests/, run by its own Space build), which are data here, not tests."""

collect_ignore = ["fixtures"]
