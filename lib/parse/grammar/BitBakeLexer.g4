// Lexer for BitBake's metadata language (.bb .bbappend .bbclass .inc .conf) as bake reads it.
//
// BitBake reads line by line with regular expressions, and several of its rules depend on where a
// line starts. This lexer keeps those rules:
//  - statements and comments start at column 0 of a logical line; an indented line is an error;
//  - a trailing backslash joins the next physical line (kept inside the token, removed later);
//  - function bodies are raw lines up to a line that is exactly "}";
//  - `def` blocks run while lines are indented, empty or comments;
//  - keyword statements (include, inherit, addtask, ...) take the rest of the line as text, unless
//    the line is really an assignment to a variable of that name (BitBake tries assignments first).
// The input is expected to end with a newline (the parser driver adds one when missing).
lexer grammar BitBakeLexer;

@members {
  /** In a `def` block, the next line is part of it when indented, empty or a comment. */
  private pythonBodyFollows(): boolean {
    const c = this.inputStream.LA(1);
    return c === 0x20 || c === 0x09 || c === 0x23 || c === 0x0a || c === 0x0d;
  }
}

// ---- the start of a logical line (default mode) -------------------------------------------------
// No rule has a semantic predicate: ANTLR cannot cache the lexer DFA across a predicate and simulates
// the ATN for every character it guards instead (which was most of a recipe's parse time). "Line
// start" is a mode, and BitBake's rules that look ahead are longer tokens (KEY_OP, the keywords).

BLANK_LINE : [ \t]* '\r'? '\n' -> skip ;
COMMENT    : '#' ~[\r\n]* '\r'? '\n' ;
INDENT     : [ \t]+ -> mode(STMT) ;

FUNC_HEADER
    : (FUNC_PREFIX [ \t]+)* (FUNC_NAME [ \t]* | ('python' | 'js') [ \t]*)?
      '(' [ \t]* ')' [ \t]* '{' [ \t]* '\r'? '\n' -> pushMode(FUNC)
    ;

PYDEF_HEADER
    : 'def' [ \t]+ [a-zA-Z0-9_]+ (~[\r\n\\] | '\\' ~[\r\n] | LINE_JOIN)* '\\'? '\r'? '\n'
      { if (this.pythonBodyFollows()) this.pushMode(BitBakeLexer.PYDEF); }
    ;

// A keyword takes the rest of the line as its argument: the token includes the blanks after it. BitBake
// tries the assignment form first (`include = "x"`, `inherit ?= "x"` assign a variable of that
// name); KEY_OP below is then the longer match and wins.
INCLUDE          : 'include' [ \t]+ -> pushMode(REST) ;
INCLUDE_ALL      : 'include_all' [ \t]+ -> pushMode(REST) ;
REQUIRE          : 'require' [ \t]+ -> pushMode(REST) ;
INHERIT          : 'inherit' [ \t]+ -> pushMode(REST) ;
INHERIT_DEFER    : 'inherit_defer' [ \t]+ -> pushMode(REST) ;
EXPORT_FUNCTIONS : 'EXPORT_FUNCTIONS' [ \t]+ -> pushMode(REST) ;
ADDTASK          : 'addtask' [ \t]+ -> pushMode(REST) ;
DELTASK          : 'deltask' [ \t]+ -> pushMode(REST) ;
ADDHANDLER       : 'addhandler' [ \t]+ -> pushMode(REST) ;
ADDPYLIB         : 'addpylib' [ \t]+ -> pushMode(REST) ;
ADDFRAGMENTS     : 'addfragments' [ \t]+ -> pushMode(REST) ;
EXPORT           : 'export' [ \t]+ -> mode(STMT) ;
UNSET            : 'unset' [ \t]+ -> mode(UNSET_ARGS) ;

// A name, blanks and an operator in one token, split again by the parser driver the way BitBake's
// non-greedy assignment pattern does (`A+=` is A and +=, `A+ =` is A+ and =).
KEY_OP     : KEY_TEXT [ \t]* ASSIGN_OP -> mode(STMT) ;
KEY        : KEY_TEXT -> mode(STMT) ;
LINE_OTHER : . -> type(ERROR_CHAR), mode(STMT) ;

// ---- the rest of a statement ---------------------------------------------------------------------

mode STMT;

OP_IMMEDIATE    : ':=' ;
OP_WEAK_DEFAULT : '??=' ;
OP_DEFAULT      : '?=' ;
OP_APPEND       : '+=' ;
OP_PREPEND      : '=+' ;
OP_PREDOT       : '=.' ;
OP_POSTDOT      : '.=' ;
OP_ASSIGN       : '=' ;

STMT_KEY    : KEY_TEXT -> type(KEY) ;
STMT_KEY_OP : KEY_TEXT [ \t]* ASSIGN_OP -> type(KEY_OP) ;

LBRACK : '[' -> pushMode(FLAG) ;

// A quoted value runs to the last quote of its kind on the logical line (BitBake's greedy match).
DQ_VALUE : '"' (~[\r\n] | LINE_JOIN)* '"' ;
SQ_VALUE : '\'' (~[\r\n] | LINE_JOIN)* '\'' ;

WS           : [ \t]+ -> channel(HIDDEN) ;
CONTINUATION : LINE_JOIN -> channel(HIDDEN) ;
NEWLINE      : '\r'? '\n' -> mode(DEFAULT_MODE) ;
ERROR_CHAR   : . ;

fragment KEY_TEXT    : KEY_CHAR+ ;
fragment KEY_CHAR    : [a-zA-Z0-9\-_+.${}/~:] ;
fragment ASSIGN_OP   : ':=' | '??=' | '?=' | '+=' | '=+' | '=.' | '.=' | '=' ;
fragment FUNC_PREFIX : 'python' | 'fakeroot' | 'js' ;
fragment FUNC_NAME   : [a-zA-Z0-9_.\-+{}$:]+ ;
// A backslash ends a physical line that continues: BitBake strips trailing whitespace first, so
// spaces or tabs after the backslash still continue the line.
fragment LINE_JOIN   : '\\' [ \t]* '\r'? '\n' ;

// ---- unset NAME / unset NAME[flag] --------------------------------------------------------------
// BitBake's unset patterns take no ':' in the name: `unset A:override` is an unparsed line.

mode UNSET_ARGS;
UNSET_NAME  : [a-zA-Z0-9\-_+.${}/~]+ -> mode(UNSET_AFTER) ;
UNSET_OTHER : . -> type(ERROR_CHAR), mode(STMT) ;

mode UNSET_AFTER;
UNSET_AFTER_WS : [ \t]+ -> channel(HIDDEN) ;
UNSET_LBRACK   : '[' -> type(LBRACK), pushMode(FLAG) ;
UNSET_NEWLINE  : '\r'? '\n' -> type(NEWLINE), mode(DEFAULT_MODE) ;
UNSET_ERROR    : . -> type(ERROR_CHAR), mode(STMT) ;

// ---- VAR[flag] ----------------------------------------------------------------------------------

mode FLAG;
FLAG_NAME  : [a-zA-Z0-9\-_+.@/]+ ;
RBRACK     : ']' -> popMode ;
FLAG_ERROR : . -> type(ERROR_CHAR), popMode ;

// ---- keyword argument: the rest of the logical line ---------------------------------------------

mode REST;
REST_TEXT    : (~[\r\n\\] | '\\' ~[\r\n] | LINE_JOIN)+ ;
REST_NEWLINE : '\r'? '\n' -> type(NEWLINE), popMode ;

// ---- shell / js / python function bodies: raw lines up to a line that is exactly "}" -----------

mode FUNC;
FUNC_END  : '}' [ \t]* '\r'? '\n' -> popMode ;
FUNC_LINE : ~[\r\n]* '\r'? '\n' ;

// ---- python def blocks: indented, empty or comment lines -----------------------------------------

mode PYDEF;
PYDEF_LINE : ~[\r\n]* '\r'? '\n' { if (!this.pythonBodyFollows()) this.popMode(); } ;
