CLASSOVERRIDE = "class-native"
R_NATIVE = "yes"
