#include <iomanip>
#include <iostream>
#include <memory>
#include <unordered_map>
#include "words.hpp"
extern "C" {
#include "geometry.h"
}

void report(void)
{
	std::vector<std::string> lines = { "the cache hit", "the cache missed once", "hit hit hit" };
	auto counts = count_words(lines);
	struct point square[] = { { 0, 0 }, { 2, 0 }, { 2, 2 }, { 0, 2 } };
	std::cout << "most common word: " << most_common(counts) << "\n"
		  << "area of the square: " << std::fixed << std::setprecision(1)
		  << polygon_area(square, 4) << "\n";
}
