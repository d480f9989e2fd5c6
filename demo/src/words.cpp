#include "words.hpp"
#include <algorithm>
#include <sstream>

std::map<std::string, int> count_words(const std::vector<std::string> &lines)
{
	std::map<std::string, int> counts;
	for (const auto &line : lines) {
		std::istringstream in(line);
		std::string w;
		while (in >> w)
			counts[w]++;
	}
	return counts;
}

std::string most_common(const std::map<std::string, int> &counts)
{
	auto it = std::max_element(counts.begin(), counts.end(),
				   [](const auto &a, const auto &b) { return a.second < b.second; });
	return it == counts.end() ? std::string() : it->first;
}
