#include <stdio.h>

int main(void)
{
	printf("Hello from bake's musl cross toolchain!\n");
	return 0;
}
