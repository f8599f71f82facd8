/* cli/main.c: the schemagate binary (being written: subcommands arrive with registry/). */
#include <stdio.h>
int main(void) { puts("schemagate"); return 0; }
