# An :append or :remove with a filtered-out override is not in overridedata (BitBake keeps it
# in the variable's :append flag): not skipped. What each operation leaves in overridedata.
R_B = "b"
R_B:board = "b-board"
R_B:append:gone = " b-gone"
R_B:remove:soc = "b"
R_C:family:append = " c-family"
R_C:board:family = "c-board-family"
R_D:other = "d-other"
R_E:board = "e-board"
R_F:board = "f-board"
R_F[doc] = "F"
R_H:soc-bsp = "h"
R_I ??= "i"
R_I:board ??= "i-board"
R_J:board ?= "j-board"
python __anonymous () {
    d.delVar("R_E:board")
    d.renameVar("R_F", "R_G")
    d.setVar("R_H", "h-plain")
    d.setVar("R_K:board", "k")
    d.appendVar("R_L:family", " l")
}
