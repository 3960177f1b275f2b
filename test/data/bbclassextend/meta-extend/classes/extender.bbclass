# Inherited deferred: the recipe has no BBCLASSEXTEND until it is finalised.
BBCLASSEXTEND = "native"
