// A hook for bench_hooks: appends "<OM_EVENT_SEQ> <CLOCK_REALTIME ns>" to the file named by
// its argument, as the first thing it does.
#include <cstdio>
#include <cstdlib>
#include <ctime>

int main(int argc, char** argv) {
    timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    if (argc < 2) return 2;
    FILE* f = std::fopen(argv[1], "a");
    if (!f) return 1;
    const char* seq = std::getenv("OM_EVENT_SEQ");
    std::fprintf(f, "%s %lld\n", seq ? seq : "?",
                 static_cast<long long>(ts.tv_sec) * 1000000000LL + ts.tv_nsec);
    std::fclose(f);
    return 0;
}
