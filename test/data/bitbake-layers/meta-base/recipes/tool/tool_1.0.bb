require tool.inc
