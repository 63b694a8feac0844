/*
 * error_cases: every kind of failure reaches C as an error object with its
 * own code and a clear message (with the request id where the hub answered
 * and the field of a malformed request), out parameters stay untouched,
 * and a panic inside the library is an error, not an abort.
 *
 *   error_cases POLICY.toml PKI_DIR UNREACHABLE_URL [HUB_URL [TAMPERED_JOURNAL BAD_BUNDLE]]
 *
 * PKI_DIR: a directory written by `fldm init-pki`. UNREACHABLE_URL: an
 * https URL where nothing listens. HUB_URL (optional): a running hub, for
 * a denial by the hub's policy. TAMPERED_JOURNAL and BAD_BUNDLE (optional):
 * a copy of the hub's journal with one changed byte, and a proof bundle of
 * it whose inclusion proof was changed (both checked with the hub's public
 * key from PKI_DIR). Prints one line per case and "N passed, N failed";
 * exit 0 only if every case passed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fldm.h"

static int passed = 0, failed = 0;

/* Check that `err` has `code` and a message containing `needle`; free it. */
static void expect(const char *name, fldm_error *err, int32_t code, const char *needle,
                   int out_untouched) {
    if (!err) {
        printf("FAIL %s: no error\n", name);
        failed++;
        return;
    }
    const char *msg = fldm_error_message(err);
    const char *reason = fldm_error_reason(err);
    int ok = fldm_error_code(err) == code && msg && strstr(msg, needle) && out_untouched;
    printf("%s %s: code %d: %s%s%s\n", ok ? "ok  " : "FAIL", name, (int)fldm_error_code(err),
           msg ? msg : "(null)", reason ? " | reason: " : "", reason ? reason : "");
    if (ok) passed++; else failed++;
    fldm_error_free(err);
}

/* Record one check of a getter's text (`text` may be NULL). */
static void expect_text(const char *name, int ok, const char *text) {
    printf("%s %s: %s\n", ok ? "ok  " : "FAIL", name, text ? text : "(null)");
    if (ok) passed++; else failed++;
}

static char *path(const char *dir, const char *file) {
    size_t n = strlen(dir) + strlen(file) + 2;
    char *p = malloc(n);
    if (p) snprintf(p, n, "%s/%s", dir, file);
    return p;
}

/* The whole file as a NUL-terminated string (NULL on failure). */
static char *read_file(const char *name) {
    FILE *f = fopen(name, "rb");
    if (!f) return NULL;
    char *buf = NULL;
    size_t len = 0, cap = 0, n;
    char chunk[4096];
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
        if (len + n + 1 > cap) {
            size_t want = (len + n + 1) * 2;
            char *grown = realloc(buf, want);
            if (!grown) { free(buf); fclose(f); return NULL; }
            buf = grown;
            cap = want;
        }
        memcpy(buf + len, chunk, n);
        len += n;
    }
    fclose(f);
    if (!buf) buf = calloc(1, 1);
    else buf[len] = '\0';
    return buf;
}

/* A client for `url` with the housing office's identity from `pki`;
 * `ca` overrides the CA file. NULL on failure (the error is freed). */
static fldm_client *client_for(const char *url, const char *pki, const char *ca_override,
                               fldm_error **err_out) {
    char *ca = ca_override ? NULL : path(pki, "ca.pem");
    char *cert = path(pki, "wohnungsamt.pem"), *key = path(pki, "wohnungsamt-key.pem");
    fldm_client_config *cfg = NULL;
    fldm_client *client = NULL;
    fldm_error *err = fldm_client_config_new(url, &cfg);
    if (!err) err = fldm_client_config_set_ca_file(cfg, ca_override ? ca_override : ca);
    if (!err) err = fldm_client_config_set_identity_files(cfg, cert, key);
    if (!err) err = fldm_client_config_set_user(cfg, "error-cases");
    if (!err) err = fldm_client_config_set_no_journal(cfg);
    if (!err) err = fldm_client_config_set_max_attempts(cfg, 1);
    if (!err) err = fldm_client_config_set_timeouts(cfg, 5000, 2000);
    if (!err) err = fldm_client_new(cfg, &client);
    fldm_client_config_free(cfg);
    free(ca); free(cert); free(key);
    *err_out = err;
    return client;
}

int main(int argc, char **argv) {
    if (argc < 4 || argc > 7 || argc == 6) {
        fprintf(stderr,
                "usage: %s POLICY.toml PKI_DIR UNREACHABLE_URL [HUB_URL [TAMPERED_JOURNAL BAD_BUNDLE]]\n",
                argv[0]);
        return 2;
    }
    const char *policy_path = argv[1], *pki = argv[2];
    fldm_policy *const sentinel = (fldm_policy *)(uintptr_t)0x1;

    /* 1xx: a NULL argument, and a NULL out parameter */
    fldm_policy *policy = sentinel;
    expect("null argument", fldm_policy_load(NULL, &policy), FLDM_E_NULL_ARGUMENT,
           "argument path must not be NULL", policy == sentinel);
    expect("null out parameter", fldm_policy_load(policy_path, NULL), FLDM_E_NULL_ARGUMENT,
           "argument out must not be NULL", 1);

    /* 1xx: invalid UTF-8 */
    fldm_person *person = (fldm_person *)(uintptr_t)0x1;
    expect("invalid UTF-8", fldm_person_from_json("{\"fldm_id\":\"P\xff\xfe\"}", &person),
           FLDM_E_INVALID_UTF8, "not valid UTF-8", person == (fldm_person *)(uintptr_t)0x1);

    /* 2xx: invalid input names the field */
    person = NULL;
    expect("invalid record",
           fldm_person_from_json("{\"fldm_id\":\"P1\",\"grundpersonalien\":{\"geschlecht\":\"q\"}}",
                                 &person),
           FLDM_E_INVALID_INPUT, "grundpersonalien.geschlecht", person == NULL);
    fldm_person_free(person);

    /* 3xx: a local policy denial, with its reason code */
    policy = NULL;
    fldm_error *err = fldm_policy_load(policy_path, &policy);
    if (err) {
        expect("load policy", err, 0, "", 0);
    } else {
        fldm_permit *permit = NULL;
        expect("policy denial (local)",
               fldm_policy_decide(policy, "wohnungsamt", "read", "27", "X-1", NULL, &permit),
               FLDM_E_POLICY_DENIED, "no rule permits office wohnungsamt", permit == NULL);
        fldm_policy_free(policy);
    }

    /* 2xx: a wrong certificate path */
    fldm_client *client = client_for(argv[3], pki, "/nonexistent/ca.pem", &err);
    expect("wrong certificate path", err, FLDM_E_CONFIG, "/nonexistent/ca.pem", client == NULL);
    fldm_client_free(client);

    /* 4xx: an unreachable hub */
    client = client_for(argv[3], pki, NULL, &err);
    if (err) {
        expect("client for unreachable hub", err, 0, "", 0);
    } else {
        fldm_disclosure *d = NULL;
        expect("unreachable hub",
               fldm_client_get_person(client, "P000000001", FLDM_ID_FLDM, "W01", "WA-1", &d),
               FLDM_E_UNREACHABLE, "transport", d == NULL);
        fldm_client_free(client);
    }

    /* 401: the hub's certificate does not chain to the trusted root (a
     * leaf certificate is given as the CA) */
    if (argc >= 5) {
        char *not_a_ca = path(pki, "wohnungsamt.pem");
        client = client_for(argv[4], pki, not_a_ca, &err);
        if (err) {
            expect("client with a leaf as CA", err, 0, "", 0);
        } else {
            fldm_disclosure *d = NULL;
            expect("untrusted hub certificate",
                   fldm_client_get_person(client, "P000000001", FLDM_ID_FLDM, "W01", "WA-1", &d),
                   FLDM_E_TLS, "TLS", d == NULL);
            fldm_client_free(client);
        }
        free(not_a_ca);
    }

    /* 3xx from the hub, and 1xx for an unknown JSON op */
    if (argc >= 5) {
        client = client_for(argv[4], pki, NULL, &err);
        if (err) {
            expect("client for hub", err, 0, "", 0);
        } else {
            fldm_disclosure *d = NULL;
            /* the hub answered: the error carries the call's request id */
            err = fldm_client_get_person(client, "P000000001", FLDM_ID_FLDM, "W01", NULL, &d);
            const char *request_id = err ? fldm_error_request_id(err) : NULL;
            expect_text("request id of a hub denial", request_id && *request_id, request_id);
            expect("policy denial (hub)", err, FLDM_E_POLICY_DENIED, "denied by policy", d == NULL);
            char *out = NULL;
            expect("unknown op", fldm_client_call_json(client, "{\"op\":\"fly\"}", &out),
                   FLDM_E_INVALID_ARGUMENT, "unknown op", out == NULL);
            /* a malformed request names the field, and has no request id */
            err = fldm_client_call_json(client,
                                        "{\"op\":\"decide_correction\",\"status\":\"accepted\","
                                        "\"purpose\":\"W01\",\"case_reference\":\"WA-1\"}",
                                        &out);
            const char *field = err ? fldm_error_field(err) : NULL;
            expect_text("field of a malformed request",
                        field && strcmp(field, "correction_id") == 0 && !fldm_error_request_id(err),
                        field);
            expect("decide_correction without id", err, FLDM_E_INVALID_ARGUMENT, "correction_id",
                   out == NULL);
            expect("decide_correction, no such correction (hub)",
                   fldm_client_call_json(client,
                                         "{\"op\":\"decide_correction\",\"correction_id\":999999,"
                                         "\"status\":\"rejected\",\"purpose\":\"W01\","
                                         "\"case_reference\":\"WA-1\"}",
                                         &out),
                   FLDM_E_NOT_FOUND, "not found", out == NULL);
            expect("access_report is for the data-protection office (hub)",
                   fldm_client_call_json(client,
                                         "{\"op\":\"access_report\",\"fldm_id\":\"P000000001\","
                                         "\"purpose\":\"W01\",\"case_reference\":\"WA-1\"}",
                                         &out),
                   FLDM_E_POLICY_DENIED, "denied by policy", out == NULL);
            fldm_client_free(client);
        }
    }

    /* 602 and 603: a changed journal, a changed proof */
    if (argc == 7) {
        char *hub_key = path(pki, "hub-audit-signing.pub");
        char *report = NULL;
        expect("tampered journal", fldm_audit_verify_dir(argv[5], hub_key, &report),
               FLDM_E_AUDIT_TAMPERED, "entry", report == NULL);
        char *bundle = read_file(argv[6]);
        if (!bundle) {
            printf("FAIL bad bundle: cannot read %s\n", argv[6]);
            failed++;
        } else {
            uint64_t index = 4242;
            expect("bundle with a changed proof",
                   fldm_audit_verify_bundle(bundle, hub_key, &index), FLDM_E_BUNDLE_INVALID,
                   "", index == 4242);
            free(bundle);
        }
        free(hub_key);
    }

    /* 9xx: a panic inside the library */
    expect("panic", fldm_test_panic(), FLDM_E_PANIC, "panic was caught", 1);
    /* ... and the library still works afterwards */
    policy = NULL;
    err = fldm_policy_load(policy_path, &policy);
    if (err) expect("after panic", err, 0, "", 0); else passed++;
    fldm_policy_free(policy);

    printf("%d passed, %d failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}
