#include <math.h>
#include "geometry.h"

double distance(struct point a, struct point b)
{
	return hypot(a.x - b.x, a.y - b.y);
}

double polygon_area(const struct point *p, int n)
{
	double twice = 0;
	for (int i = 0; i < n; i++) {
		const struct point *q = &p[(i + 1) % n];
		twice += p[i].x * q->y - q->x * p[i].y;
	}
	return fabs(twice) / 2;
}
