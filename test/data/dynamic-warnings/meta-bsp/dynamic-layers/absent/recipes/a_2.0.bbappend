R_APPENDED = "absent"
