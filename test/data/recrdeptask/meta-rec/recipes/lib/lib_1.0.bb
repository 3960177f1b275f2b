DEPENDS = "helper"
