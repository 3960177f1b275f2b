require recipes/tool/tool-common.inc
inherit baseclass
