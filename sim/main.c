/* socap command line: a thin client of libsocap. (being written) */
#include <stdio.h>
int main(void) { fprintf(stderr, "socap: not built yet\n"); return 1; }
