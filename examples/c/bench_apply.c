/*
 * bench_apply: the cost of the C boundary for a local policy apply.
 *
 *   bench_apply POLICY.toml RECORD.json [ITERATIONS]
 *
 * Times ITERATIONS calls of fldm_permit_apply_json (+ fldm_string_free)
 * from C, and the same work in a plain Rust loop inside the library
 * (fldm_bench_rust_apply_json), in the same run; prints both per call and
 * the ratio. Absolute times on shared machines mean little; the ratio is
 * the result.
 */
#define _POSIX_C_SOURCE 200809L
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fldm.h"

static uint64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int fail(fldm_error *err) {
    fprintf(stderr, "bench_apply: error %d: %s\n", (int)fldm_error_code(err),
            fldm_error_message(err));
    fldm_error_free(err);
    return 1;
}

static char *read_line(const char *file) {
    FILE *f = fopen(file, "r");
    if (!f) return NULL;
    char *line = NULL;
    size_t cap = 0;
    ssize_t n = getline(&line, &cap, f);
    fclose(f);
    if (n <= 0) { free(line); return NULL; }
    while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r')) line[--n] = '\0';
    return line;
}

int main(int argc, char **argv) {
    if (argc < 3 || argc > 4) {
        fprintf(stderr, "usage: %s POLICY.toml RECORD.json [ITERATIONS]\n", argv[0]);
        return 2;
    }
    uint64_t n = argc == 4 ? strtoull(argv[3], NULL, 10) : 10000;
    if (n == 0) n = 1;
    char *record = read_line(argv[2]);
    if (!record) { perror(argv[2]); return 2; }

    fldm_policy *policy = NULL;
    fldm_permit *permit = NULL;
    fldm_error *err = fldm_policy_load(argv[1], &policy);
    if (!err) err = fldm_policy_decide(policy, "wohnungsamt", "read", "W01", "WA-1", NULL, &permit);
    fldm_policy_free(policy);
    if (err) { free(record); return fail(err); }

    /* warm-up */
    char *out = NULL;
    if ((err = fldm_permit_apply_json(permit, record, &out))) goto error;
    fldm_string_free(out);

    uint64_t rust_ns = 0;
    if ((err = fldm_bench_rust_apply_json(permit, record, n, &rust_ns))) goto error;

    uint64_t start = now_ns();
    for (uint64_t i = 0; i < n; i++) {
        if ((err = fldm_permit_apply_json(permit, record, &out))) goto error;
        fldm_string_free(out);
    }
    uint64_t c_ns = now_ns() - start;

    double rust_per = (double)rust_ns / (double)n, c_per = (double)c_ns / (double)n;
    printf("policy apply (decode + validate + filter + encode), %" PRIu64 " iterations\n", n);
    printf("  Rust loop inside the library: %10.0f ns/call\n", rust_per);
    printf("  C loop through the C ABI:     %10.0f ns/call\n", c_per);
    printf("  ratio C ABI / Rust:           %10.3f\n", c_per / rust_per);
    fldm_permit_free(permit);
    free(record);
    return 0;

error:
    fldm_permit_free(permit);
    free(record);
    return fail(err);
}
