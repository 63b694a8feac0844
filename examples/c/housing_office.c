/*
 * housing_office: what a housing office's case software does with the hub.
 *
 *   housing_office BASE_URL PKI_DIR JOURNAL_DIR
 *
 * PKI_DIR is a directory written by `fldm init-pki` (ca.pem,
 * wohnungsamt.pem, wohnungsamt-key.pem and the office's journal keys).
 * The program connects with the office's client certificate, fetches a
 * person and prints the permitted fields, writes back an address,
 * iterates the change feed, and verifies its own client-stage audit
 * journal in JOURNAL_DIR. Exit 0 on success, 1 on any error.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fldm.h"

#define PURPOSE "W01"           /* Unterbringung/Wohnraumversorgung */
#define CASE_REF "WA-2026-0815" /* Geschäftszeichen */
#define PERSON "P000000001"

static int fail(const char *what, fldm_error *err) {
    const char *reason = fldm_error_reason(err);
    fprintf(stderr, "housing_office: %s: error %d: %s%s%s\n", what, (int)fldm_error_code(err),
            fldm_error_message(err), reason ? " reason=" : "", reason ? reason : "");
    fldm_error_free(err);
    return 1;
}

static char *path(const char *dir, const char *file) {
    size_t n = strlen(dir) + strlen(file) + 2;
    char *p = malloc(n);
    if (p) snprintf(p, n, "%s/%s", dir, file);
    return p;
}

/* Print one optional text field of the person. */
static fldm_error *print_field(const fldm_person *p, const char *label,
                               fldm_error *(*get)(const fldm_person *, char **)) {
    char *value = NULL;
    fldm_error *err = get(p, &value);
    if (err) return err;
    printf("  %-16s %s\n", label, value ? value : "(not disclosed)");
    fldm_string_free(value);
    return NULL;
}

static fldm_error *print_person(const fldm_person *p) {
    fldm_error *err;
    if ((err = print_field(p, "fldm_id", fldm_person_fldm_id))) return err;
    if ((err = print_field(p, "familienname", fldm_person_familienname))) return err;
    if ((err = print_field(p, "geburtsname", fldm_person_geburtsname))) return err;
    if ((err = print_field(p, "vornamen", fldm_person_vornamen))) return err;
    if ((err = print_field(p, "geburtsdatum", fldm_person_geburtsdatum))) return err;
    if ((err = print_field(p, "geschlecht", fldm_person_geschlecht))) return err;
    if ((err = print_field(p, "geburtsort", fldm_person_geburtsort))) return err;
    if ((err = print_field(p, "anschrift", fldm_person_anschrift_json))) return err;
    size_t n = 0;
    if ((err = fldm_person_nationality_count(p, &n))) return err;
    printf("  %-16s", "staatsangeh.");
    for (size_t i = 0; i < n; i++) {
        char *code = NULL;
        if ((err = fldm_person_nationality_at(p, i, &code))) return err;
        printf(" %s", code);
        fldm_string_free(code);
    }
    printf("\n");
    return NULL;
}

int main(int argc, char **argv) {
    if (argc != 4) {
        fprintf(stderr, "usage: %s BASE_URL PKI_DIR JOURNAL_DIR\n", argv[0]);
        return 2;
    }
    const char *pki = argv[2], *journal = argv[3];
    printf("libfldm %s (header %s)\n", fldm_version(), FLDM_VERSION_STRING);

    char *ca = path(pki, "ca.pem"), *cert = path(pki, "wohnungsamt.pem"),
         *key = path(pki, "wohnungsamt-key.pem"),
         *signing = path(pki, "wohnungsamt-audit-signing.pk8"),
         *pseudonym = path(pki, "wohnungsamt-pseudonym.key"),
         *pub = path(pki, "wohnungsamt-audit-signing.pub");
    int status = 1;
    fldm_error *err = NULL;
    fldm_client_config *cfg = NULL;
    fldm_client *client = NULL;
    fldm_disclosure *d = NULL;
    fldm_change_feed *feed = NULL;
    char *s = NULL, *basis = NULL;

    /* 1. configure and connect */
    if ((err = fldm_client_config_new(argv[1], &cfg))) { fail("config", err); goto out; }
    if ((err = fldm_client_config_set_ca_file(cfg, ca)) ||
        (err = fldm_client_config_set_identity_files(cfg, cert, key)) ||
        (err = fldm_client_config_set_user(cfg, "sachbearbeitung-17")) ||
        (err = fldm_client_config_set_office(cfg, "wohnungsamt")) ||
        (err = fldm_client_config_set_timeouts(cfg, 10000, 5000)) ||
        (err = fldm_client_config_set_journal_dir(cfg, journal, signing, pseudonym))) {
        fail("config", err);
        goto out;
    }
    if ((err = fldm_client_new(cfg, &client))) { fail("connect", err); goto out; }

    /* 2. fetch a person: only what the housing office may receive */
    if ((err = fldm_client_get_person(client, PERSON, FLDM_ID_FLDM, PURPOSE, CASE_REF, &d))) {
        fail("get_person", err);
        goto out;
    }
    if ((err = fldm_disclosure_decision(d, &s, &basis))) { fail("decision", err); goto out; }
    printf("person %s disclosed by rule %s (%s):\n", PERSON, s, basis);
    fldm_string_free(s); s = NULL;
    fldm_string_free(basis); basis = NULL;
    if ((err = print_person(fldm_disclosure_person(d)))) { fail("fields", err); goto out; }
    if ((err = fldm_person_attributes_json(fldm_disclosure_person(d), &s))) {
        fail("attributes", err);
        goto out;
    }
    printf("  attributes       %s\n", s);
    fldm_string_free(s); s = NULL;

    /* 3. write back the address assigned by placement */
    const char *address = "{\"strasse\":\"Ehrenfeldgürtel\",\"hausnummer\":\"12a\","
                          "\"postleitzahl\":\"50823\",\"ort\":\"Köln\"}";
    if ((err = fldm_client_update_address(client, PERSON, address, PURPOSE, CASE_REF,
                                          "housing-office-example-1", &s))) {
        fail("update_address", err);
        goto out;
    }
    printf("address written: %s\n", s);
    fldm_string_free(s); s = NULL;

    /* the same read through the JSON entry point */
    if ((err = fldm_client_call_json(client,
                                     "{\"op\":\"get_person\",\"fldm_id\":\"" PERSON "\","
                                     "\"purpose\":\"" PURPOSE "\",\"case_reference\":\"" CASE_REF "\"}",
                                     &s))) {
        fail("call_json", err);
        goto out;
    }
    printf("call_json get_person: %zu bytes of JSON\n", strlen(s));
    fldm_string_free(s); s = NULL;

    /* 4. the change feed (our own address change is in it) */
    if ((err = fldm_client_changes(client, 0, PURPOSE, CASE_REF, &feed))) {
        fail("changes", err);
        goto out;
    }
    unsigned long count = 0, ours = 0;
    for (;;) {
        fldm_change *c = NULL;
        if ((err = fldm_change_feed_next(feed, &c))) { fail("change feed", err); goto out; }
        if (!c) break;
        count++;
        char *id = NULL;
        if ((err = fldm_person_fldm_id(fldm_change_person(c), &id))) {
            fldm_change_free(c);
            fail("change", err);
            goto out;
        }
        if (strcmp(id, PERSON) == 0) ours++;
        fldm_string_free(id);
        fldm_change_free(c);
    }
    uint64_t cursor = 0;
    if ((err = fldm_change_feed_cursor(feed, &cursor))) { fail("cursor", err); goto out; }
    printf("change feed: %lu changes (%lu for %s), resume after cursor %" PRIu64 "\n", count, ours,
           PERSON, cursor);
    if (ours == 0) {
        fprintf(stderr, "housing_office: the address change is missing from the feed\n");
        goto out;
    }
    fldm_change_feed_free(feed);
    feed = NULL;

    /* 5. sign the journal and verify it offline (after closing the client) */
    if ((err = fldm_client_journal_checkpoint(client))) { fail("checkpoint", err); goto out; }
    fldm_client_free(client);
    client = NULL;
    if ((err = fldm_audit_verify_dir(journal, pub, &s))) { fail("verify journal", err); goto out; }
    printf("client journal verified: %s\n", s);
    fldm_string_free(s); s = NULL;
    status = 0;

out:
    fldm_change_feed_free(feed);
    fldm_disclosure_free(d);
    fldm_client_free(client);
    fldm_client_config_free(cfg);
    free(ca); free(cert); free(key); free(signing); free(pseudonym); free(pub);
    return status;
}
