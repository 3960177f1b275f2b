// Parser for BitBake's metadata language: a file is a sequence of line-level statements.
// Tokens and the line rules they enforce are described in BitBakeLexer.g4.
parser grammar BitBakeParser;

options { tokenVocab = BitBakeLexer; }

file
    : statement* EOF
    ;

statement
    : COMMENT                                                    # commentLine
    | EXPORT? KEY flag? assignOp value=(DQ_VALUE | SQ_VALUE) NEWLINE # assignment
    | EXPORT? KEY_OP value=(DQ_VALUE | SQ_VALUE) NEWLINE         # keyOpAssignment
    | EXPORT KEY NEWLINE                                         # exportStatement
    | UNSET UNSET_NAME flag? NEWLINE                             # unsetStatement
    | keyword REST_TEXT? NEWLINE                                 # keywordStatement
    | FUNC_HEADER FUNC_LINE* FUNC_END                            # functionDef
    | PYDEF_HEADER PYDEF_LINE*                                   # pythonDef
    ;

flag
    : LBRACK FLAG_NAME RBRACK
    ;

assignOp
    : OP_ASSIGN | OP_IMMEDIATE | OP_WEAK_DEFAULT | OP_DEFAULT
    | OP_APPEND | OP_PREPEND | OP_PREDOT | OP_POSTDOT
    ;

keyword
    : INCLUDE | INCLUDE_ALL | REQUIRE | INHERIT | INHERIT_DEFER | EXPORT_FUNCTIONS
    | ADDTASK | DELTASK | ADDHANDLER | ADDPYLIB | ADDFRAGMENTS
    ;
