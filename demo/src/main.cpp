void report(void);

int main()
{
	report();
	return 0;
}
