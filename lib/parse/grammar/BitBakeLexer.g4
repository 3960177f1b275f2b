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
  private la(i: number): number {
    return this.inputStream.LA(i);
  }

  private static isBlank(c: number): boolean {
    return c === 0x20 || c === 0x09;
  }

  /**
   * After a keyword: is the rest of the line the keyword's argument? BitBake matches the assignment
   * form first, so `include = "x"` or `inherit[doc] = "x"` assign a variable named like the keyword.
   */
  private keywordTakesRest(): boolean {
    if (!BitBakeLexer.isBlank(this.la(1))) return false;
    let i = 2;
    while (BitBakeLexer.isBlank(this.la(i))) i++;
    const c = this.la(i);
    const next = this.la(i + 1);
    if (c === 0x3d) return false; // '='
    if ((c === 0x3f || c === 0x3a || c === 0x2b || c === 0x2e) && (next === 0x3d || next === 0x3f)) return false;
    return true;
  }

  /** A variable name may not swallow the first character of `+=`, `.=` or `:=`. */
  private keyMayEndHere(): boolean {
    const last = this.la(-1);
    return !((last === 0x2b || last === 0x2e || last === 0x3a) && this.la(1) === 0x3d);
  }

  /** In a `def` block, the next line is part of it when indented, empty or a comment. */
  private pythonBodyFollows(): boolean {
    const c = this.la(1);
    return c === 0x20 || c === 0x09 || c === 0x23 || c === 0x0a || c === 0x0d;
  }
}

// ---- the start of a logical line (default mode) -------------------------------------------------
// Keeping "line start" as a mode rather than a predicate lets ANTLR cache the lexer DFA.

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

INCLUDE          : 'include' {this.keywordTakesRest()}? -> pushMode(REST) ;
INCLUDE_ALL      : 'include_all' {this.keywordTakesRest()}? -> pushMode(REST) ;
REQUIRE          : 'require' {this.keywordTakesRest()}? -> pushMode(REST) ;
INHERIT          : 'inherit' {this.keywordTakesRest()}? -> pushMode(REST) ;
INHERIT_DEFER    : 'inherit_defer' {this.keywordTakesRest()}? -> pushMode(REST) ;
EXPORT_FUNCTIONS : 'EXPORT_FUNCTIONS' {this.keywordTakesRest()}? -> pushMode(REST) ;
ADDTASK          : 'addtask' {this.keywordTakesRest()}? -> pushMode(REST) ;
DELTASK          : 'deltask' {this.keywordTakesRest()}? -> pushMode(REST) ;
ADDHANDLER       : 'addhandler' {this.keywordTakesRest()}? -> pushMode(REST) ;
ADDPYLIB         : 'addpylib' {this.keywordTakesRest()}? -> pushMode(REST) ;
ADDFRAGMENTS     : 'addfragments' {this.keywordTakesRest()}? -> pushMode(REST) ;
EXPORT           : 'export' {this.keywordTakesRest()}? -> mode(STMT) ;
UNSET            : 'unset' {this.keywordTakesRest()}? -> mode(UNSET_ARGS) ;

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

STMT_KEY : KEY_TEXT -> type(KEY) ;

LBRACK : '[' -> pushMode(FLAG) ;

// A quoted value runs to the last quote of its kind on the logical line (BitBake's greedy match).
DQ_VALUE : '"' (~[\r\n] | LINE_JOIN)* '"' ;
SQ_VALUE : '\'' (~[\r\n] | LINE_JOIN)* '\'' ;

WS           : [ \t]+ -> channel(HIDDEN) ;
CONTINUATION : LINE_JOIN -> channel(HIDDEN) ;
NEWLINE      : '\r'? '\n' -> mode(DEFAULT_MODE) ;
ERROR_CHAR   : . ;

// A variable name may not swallow the first character of `+=`, `.=` or `:=`; only names ending in
// one of those characters pay for the predicate.
fragment KEY_TEXT    : KEY_CHAR* KEY_PLAIN | KEY_CHAR* [+.:] {this.keyMayEndHere()}? ;
fragment KEY_CHAR    : [a-zA-Z0-9\-_+.${}/~:] ;
fragment KEY_PLAIN   : [a-zA-Z0-9\-_${}/~] ;
fragment FUNC_PREFIX : 'python' | 'fakeroot' | 'js' ;
fragment FUNC_NAME   : [a-zA-Z0-9_.\-+{}$:]+ ;
// A backslash ends a physical line that continues: BitBake strips trailing whitespace first, so
// spaces or tabs after the backslash still continue the line.
fragment LINE_JOIN   : '\\' [ \t]* '\r'? '\n' ;

// ---- unset NAME / unset NAME[flag] --------------------------------------------------------------
// BitBake's unset patterns take no ':' in the name: `unset A:override` is an unparsed line.

mode UNSET_ARGS;
UNSET_WS    : [ \t]+ -> channel(HIDDEN) ;
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
