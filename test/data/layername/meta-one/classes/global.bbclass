R_GLOBAL = "global"
