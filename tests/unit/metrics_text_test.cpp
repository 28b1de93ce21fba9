// Tests of lib/metrics_text: families, samples, label escaping, numbers.
#include "metrics_text.hpp"

#include <catch2/catch.hpp>
#include <limits>

TEST_CASE("metrics text: HELP and TYPE lines, then the samples") {
    om::MetricsText m;
    m.family("ombus_x_total", "counter", "Things\nseen \\ counted");
    m.sample(3, {{"node", "n\"1"}, {"kind", "a\\b\nc"}});
    m.sample(0.25);
    m.single("ombus_up", "gauge", "Up", std::numeric_limits<double>::quiet_NaN());
    CHECK(m.text() == "# HELP ombus_x_total Things\\nseen \\\\ counted\n"
                      "# TYPE ombus_x_total counter\n"
                      "ombus_x_total{node=\"n\\\"1\",kind=\"a\\\\b\\nc\"} 3\n"
                      "ombus_x_total 0.25\n"
                      "# HELP ombus_up Up\n"
                      "# TYPE ombus_up gauge\n"
                      "ombus_up NaN\n");
}
