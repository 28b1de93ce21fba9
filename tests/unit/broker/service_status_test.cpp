// Tests of lib/service_status: the aggregation rules and their incremental form.
#include "service_status.hpp"

#include <catch2/catch.hpp>

using namespace om;

namespace {
json cluster(std::initializer_list<std::pair<const char*, json>> instances) {
    json doc;
    for (const auto& [node, inst] : instances)
        doc["monitor"]["nodes"][node]["services"]["status"]["ha1"] = inst;
    return doc;
}
json inst(const char* avail, json frozen = false, json provisioned = true) {
    return json{
        {"avail", avail}, {"overall", avail}, {"frozen", frozen}, {"provisioned", provisioned}};
}
} // namespace

TEST_CASE("failover: one instance up is up and optimal") {
    auto agg = aggregate_services(cluster({{"n1", inst("up")}, {"n2", inst("down")}}));
    CHECK(
        agg["ha1"] ==
        json::parse(
            R"({"avail":"up","overall":"up","frozen":"thawed","placement":"optimal","provisioned":true})"));
}

TEST_CASE("failover: two instances up is a warning") {
    auto agg = aggregate_services(cluster({{"n1", inst("up")}, {"n2", inst("up")}}));
    CHECK(agg["ha1"]["avail"] == "warn");
    CHECK(agg["ha1"]["overall"] == "warn");
}

TEST_CASE("all down is down - placement n/a") {
    auto agg = aggregate_services(cluster({{"n1", inst("down")}, {"n2", inst("down")}}));
    CHECK(agg["ha1"]["avail"] == "down");
    CHECK(agg["ha1"]["placement"] == "n/a");
}

TEST_CASE("frozen is frozen - thawed or mixed - a timestamp counts as frozen") {
    CHECK(aggregate_services(cluster(
              {{"n1", inst("up", true)}, {"n2", inst("down", 1539074255.1)}}))["ha1"]["frozen"] ==
          "frozen");
    CHECK(aggregate_services(cluster(
              {{"n1", inst("up", true)}, {"n2", inst("down", 0)}}))["ha1"]["frozen"] == "mixed");
}

TEST_CASE("provisioned is true - false or mixed") {
    CHECK(aggregate_services(cluster({{"n1", inst("up", false, false)}}))["ha1"]["provisioned"] ==
          false);
    CHECK(aggregate_services(cluster({{"n1", inst("up", false, true)},
                                      {"n2", inst("down", false, false)}}))["ha1"]["provisioned"] ==
          "mixed");
}

TEST_CASE("flex: up when flex_min_nodes are up - warn below") {
    json a = inst("up"), b = inst("down");
    a["topology"] = b["topology"] = "flex";
    a["flex_min_nodes"] = b["flex_min_nodes"] = 2;
    CHECK(aggregate_services(cluster({{"n1", a}, {"n2", b}}))["ha1"]["avail"] == "warn");
    CHECK(aggregate_services(cluster({{"n1", a}, {"n2", a}}))["ha1"]["avail"] == "up");
}

TEST_CASE("a non-leader instance up makes placement non-optimal") {
    json a = inst("up");
    a["monitor"] = {{"placement", "non-leader"}};
    CHECK(aggregate_services(cluster({{"n1", a}, {"n2", inst("down")}}))["ha1"]["placement"] ==
          "non-optimal");
}

TEST_CASE("all n/a is n/a") {
    CHECK(aggregate_services(cluster({{"n1", inst("n/a")}}))["ha1"]["avail"] == "n/a");
}

TEST_CASE("incremental updates agree with aggregation from scratch") {
    ServiceAggregator agg;
    json out;
    CHECK_FALSE(agg.update("n1", "ha1", nullptr, out)); // removing an unknown instance
    json i1 = inst("down"), i2 = inst("up");
    CHECK(agg.update("n1", "ha1", &i1, out));
    CHECK(out["avail"] == "down");
    CHECK(agg.update("n2", "ha1", &i2, out));
    CHECK(out["avail"] == "up");
    CHECK_FALSE(agg.update("n2", "ha1", &i2, out)); // no change, no patch
    CHECK(agg.current("ha1") == aggregate_services(cluster({{"n1", i1}, {"n2", i2}}))["ha1"]);
    CHECK(agg.update("n2", "ha1", nullptr, out));
    CHECK(out["avail"] == "down");
    CHECK(agg.update("n1", "ha1", nullptr, out));
    CHECK(out.is_null());
    CHECK(agg.current("ha1").is_null());
}
