/*
 * policy_check: apply a policy to JSON-lines records without a hub.
 *
 *   policy_check POLICY.toml RECORDS.jsonl OFFICE PURPOSE [CASE]
 *
 * Decides a `read` by OFFICE for PURPOSE (with the case reference CASE, if
 * given) for today, then prints the disclosure of every record as one JSON
 * line. Exit 0 on success; 1 with the reason on stderr when the policy
 * denies or a record is invalid; 2 on usage or I/O errors.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fldm.h"

/* Print an error with its code and reason, free it, return `status`. */
static int report(const char *what, fldm_error *err, int status) {
    const char *reason = fldm_error_reason(err);
    fprintf(stderr, "policy_check: %s: error %d: %s%s%s%s\n", what, (int)fldm_error_code(err),
            fldm_error_message(err), reason ? " (reason: " : "", reason ? reason : "",
            reason ? ")" : "");
    fldm_error_free(err);
    return status;
}

int main(int argc, char **argv) {
    if (argc < 5 || argc > 6) {
        fprintf(stderr, "usage: %s POLICY.toml RECORDS.jsonl OFFICE PURPOSE [CASE]\n", argv[0]);
        return 2;
    }
    const char *case_reference = argc == 6 ? argv[5] : NULL;

    fldm_policy *policy = NULL;
    fldm_error *err = fldm_policy_load(argv[1], &policy);
    if (err) return report("loading the policy", err, 2);

    fldm_permit *permit = NULL;
    err = fldm_policy_decide(policy, argv[3], "read", argv[4], case_reference, NULL, &permit);
    fldm_policy_free(policy);
    if (err) return report("denied", err, 1);

    FILE *in = fopen(argv[2], "r");
    if (!in) {
        perror(argv[2]);
        fldm_permit_free(permit);
        return 2;
    }
    int status = 0;
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    unsigned long lineno = 0;
    while ((len = getline(&line, &cap, in)) != -1) {
        lineno++;
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r')) line[--len] = '\0';
        if (len == 0) continue;
        char *disclosure = NULL;
        err = fldm_permit_apply_json(permit, line, &disclosure);
        if (err) {
            char what[64];
            snprintf(what, sizeof what, "line %lu", lineno);
            status = report(what, err, 1);
            break;
        }
        puts(disclosure);
        fldm_string_free(disclosure);
    }
    free(line);
    fclose(in);
    fldm_permit_free(permit);
    return status;
}
