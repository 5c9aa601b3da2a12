// micro.cc: engine microbenchmarks (Google Benchmark) through the C shim:
// key encode/decode, number parse/compare, expression parse/evaluate, and
// item put/get/query in the engine without HTTP.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>

#include "bench/shim.h"

static void BM_KeyEncode(benchmark::State &s) {
    uint64_t i = 0;
    for (auto _ : s)
        benchmark::DoNotOptimize(shim_key_encode(i++));
}
BENCHMARK(BM_KeyEncode);

static void BM_KeyDecode(benchmark::State &s) {
    uint64_t i = 0;
    for (auto _ : s)
        benchmark::DoNotOptimize(shim_key_decode(i++));
}
BENCHMARK(BM_KeyDecode);

static void BM_NumberParse(benchmark::State &s) {
    uint64_t i = 0;
    for (auto _ : s)
        benchmark::DoNotOptimize(shim_num_parse(i++));
}
BENCHMARK(BM_NumberParse);

static void BM_NumberCompare(benchmark::State &s) {
    uint64_t i = 0;
    for (auto _ : s)
        benchmark::DoNotOptimize(shim_num_cmp(i++));
}
BENCHMARK(BM_NumberCompare);

static void BM_ExprParse(benchmark::State &s) {
    for (auto _ : s)
        benchmark::DoNotOptimize(shim_expr_parse());
}
BENCHMARK(BM_ExprParse);

static void BM_ExprEval(benchmark::State &s) {
    for (auto _ : s)
        benchmark::DoNotOptimize(shim_expr_eval());
}
BENCHMARK(BM_ExprEval);

static void BM_EnginePut(benchmark::State &s) {
    uint64_t i = 0;
    for (auto _ : s)
        benchmark::DoNotOptimize(shim_put(i++));
}
BENCHMARK(BM_EnginePut);

static void BM_EngineGet(benchmark::State &s) {
    uint64_t i = 0;
    for (auto _ : s)
        benchmark::DoNotOptimize(shim_get(i++ * 7919));
}
BENCHMARK(BM_EngineGet);

static void BM_EngineQuery10(benchmark::State &s) {
    uint64_t i = 0;
    for (auto _ : s)
        benchmark::DoNotOptimize(shim_query(i++ * 7919));
}
BENCHMARK(BM_EngineQuery10);

int main(int argc, char **argv) {
    if (shim_open(10000) != 0) {
        std::fprintf(stderr, "micro: cannot set up the engine\n");
        return 1;
    }
    benchmark::Initialize(&argc, argv);
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    shim_close();
    return 0;
}
