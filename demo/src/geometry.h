#ifndef GEOMETRY_H
#define GEOMETRY_H
struct point {
	double x, y;
};
double distance(struct point a, struct point b);
double polygon_area(const struct point *p, int n);
#endif
