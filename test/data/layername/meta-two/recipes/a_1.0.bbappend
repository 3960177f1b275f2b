R_APPEND_LAYER := "${FILE_LAYERNAME}"
inherit two
