DEPENDS:class-native = "helper-native"
BBCLASSEXTEND = "native"
