/*
 * import_and_delete: the record life cycle from C, for the owning office
 * and for a receiver.
 *
 *   import_and_delete BASE_URL PKI_DIR WORK_DIR TAG
 *
 * PKI_DIR is a directory written by `fldm init-pki`. WORK_DIR is an
 * existing directory for the import file and both offices' client
 * journals; TAG (letters and digits) keeps the records of one run apart
 * from those of another run against the same hub.
 *
 * The foreigners' authority (owning office, purpose 70) writes a small
 * JSON-lines file of synthetic records keyed by Aktenzeichen ABH-TAG-n/26
 * (one with an impossible birth date, refused before sending), imports it
 * and prints the counts, imports one more record on its own, creates
 * three records, updates one, deletes one with a reason and merges a
 * duplicate into another. The housing office (purpose W01) then reads
 * both tombstones from its change feed, acknowledges each in its client
 * journal (deleted, relinked to the survivor) and verifies the journal.
 * Exit 0 on success, 1 on any error.
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fldm.h"

#define ABH_PURPOSE "70" /* Aufenthaltsrecht (owning office) */
#define ABH_CASE "ABH-2026-1"
#define WA_PURPOSE "W01" /* Unterbringung/Wohnraumversorgung */
#define WA_CASE "WA-2026-0815"

static int fail(const char *what, fldm_error *err) {
    const char *reason = fldm_error_reason(err), *field = fldm_error_field(err);
    fprintf(stderr, "import_and_delete: %s: error %d: %s%s%s%s%s\n", what,
            (int)fldm_error_code(err), fldm_error_message(err), reason ? " reason=" : "",
            reason ? reason : "", field ? " field=" : "", field ? field : "");
    fldm_error_free(err);
    return 1;
}

static char *path(const char *dir, const char *file) {
    size_t n = strlen(dir) + strlen(file) + 2;
    char *p = malloc(n);
    if (p) snprintf(p, n, "%s/%s", dir, file);
    return p;
}

/* One synthetic import record keyed by Aktenzeichen ABH-<tag>-<n>/26. */
static void record_json(char *buf, size_t size, const char *tag, int n, const char *familienname,
                        const char *geburtsdatum) {
    snprintf(buf, size,
             "{\"aktenzeichen\":\"ABH-%s-%d/26\",\"grundpersonalien\":{"
             "\"familienname\":\"%s\",\"vornamen\":{\"nicht_vorhanden\":true},"
             "\"geburtsdatum\":\"%s\",\"geschlecht\":\"w\",\"staatsangehoerigkeiten\":[\"475\"]}}",
             tag, n, familienname, geburtsdatum);
}

/* The number after "key": in a flat JSON object (the import report). */
static unsigned long json_count(const char *json, const char *key) {
    char pattern[64];
    snprintf(pattern, sizeof pattern, "\"%s\":", key);
    const char *at = strstr(json, pattern);
    return at ? strtoul(at + strlen(pattern), NULL, 10) : 0;
}

/* The string after "key": in JSON (an FLDM id), copied into out. */
static bool json_text(const char *json, const char *key, char *out, size_t size) {
    char pattern[64];
    snprintf(pattern, sizeof pattern, "\"%s\":\"", key);
    const char *at = strstr(json, pattern);
    if (!at) return false;
    at += strlen(pattern);
    size_t n = strcspn(at, "\"");
    if (n == 0 || n >= size) return false;
    memcpy(out, at, n);
    out[n] = '\0';
    return true;
}

static void print_counts(const char *label, const char *report) {
    printf("%s: created %lu, updated %lu, unchanged %lu, refused %lu (%lu batches)\n", label,
           json_count(report, "created"), json_count(report, "updated"),
           json_count(report, "unchanged"), json_count(report, "refused"),
           json_count(report, "batches"));
}

/* A client of `office` with its certificate and its own client journal. */
static fldm_error *open_client(const char *url, const char *pki, const char *work, const char *tag,
                           const char *office, fldm_client **out) {
    char file[256];
    char *ca = path(pki, "ca.pem");
    snprintf(file, sizeof file, "%s.pem", office);
    char *cert = path(pki, file);
    snprintf(file, sizeof file, "%s-key.pem", office);
    char *key = path(pki, file);
    snprintf(file, sizeof file, "%s-audit-signing.pk8", office);
    char *signing = path(pki, file);
    snprintf(file, sizeof file, "%s-pseudonym.key", office);
    char *pseudonym = path(pki, file);
    snprintf(file, sizeof file, "journal-%s-%s", tag, office);
    char *journal = path(work, file);
    fldm_client_config *cfg = NULL;
    fldm_error *err = NULL;
    if (!(err = fldm_client_config_new(url, &cfg)) &&
        !(err = fldm_client_config_set_ca_file(cfg, ca)) &&
        !(err = fldm_client_config_set_identity_files(cfg, cert, key)) &&
        !(err = fldm_client_config_set_user(cfg, "sachbearbeitung-4")) &&
        !(err = fldm_client_config_set_office(cfg, office)) &&
        !(err = fldm_client_config_set_timeouts(cfg, 20000, 5000)) &&
        !(err = fldm_client_config_set_journal_dir(cfg, journal, signing, pseudonym)))
        err = fldm_client_new(cfg, out);
    fldm_client_config_free(cfg);
    free(ca); free(cert); free(key); free(signing); free(pseudonym); free(journal);
    return err;
}

/* Create one record from its JSON; its new FLDM id (empty if the answer
 * has none) and version. */
static fldm_error *create(fldm_client *client, const char *json, char *id, size_t id_size,
                          uint64_t *version) {
    fldm_person *p = NULL;
    char *result = NULL;
    fldm_error *err = fldm_person_from_import_json(json, &p);
    if (!err) err = fldm_client_create_person(client, p, ABH_PURPOSE, ABH_CASE, &result);
    id[0] = '\0';
    if (!err && json_text(result, "fldm_id", id, id_size))
        *version = json_count(result, "version");
    fldm_string_free(result);
    fldm_person_free(p);
    return err;
}

int main(int argc, char **argv) {
    if (argc != 5) {
        fprintf(stderr, "usage: %s BASE_URL PKI_DIR WORK_DIR TAG\n", argv[0]);
        return 2;
    }
    const char *url = argv[1], *pki = argv[2], *work = argv[3], *tag = argv[4];
    int status = 1;
    fldm_error *err = NULL;
    fldm_client *abh = NULL, *wa = NULL;
    fldm_person *p = NULL;
    fldm_change_feed *feed = NULL;
    char *s = NULL, *file = NULL, *pub = NULL, *journal = NULL;
    char line[512], name[64];

    /* 1. the owning office's import file: three records and one with an
     *    impossible birth date (refused before sending, index 3) */
    snprintf(name, sizeof name, "import-%s.jsonl", tag);
    file = path(work, name);
    FILE *f = fopen(file, "w");
    if (!f) { perror(file); goto out; }
    const char *names[] = {"Beispiel", "Muster", "Probe"};
    for (int i = 0; i < 3; i++) {
        record_json(line, sizeof line, tag, i + 1, names[i], "1990");
        fprintf(f, "%s\n", line);
    }
    record_json(line, sizeof line, tag, 4, "Fehler", "1990-02-30");
    fprintf(f, "%s\n", line);
    if (fclose(f) != 0) { perror(file); goto out; }

    if ((err = open_client(url, pki, work, tag, "auslaenderbehoerde", &abh))) {
        fail("connect (auslaenderbehoerde)", err);
        goto out;
    }
    if ((err = fldm_client_import_file(abh, file, NULL, ABH_PURPOSE, ABH_CASE, &s))) {
        fail("import_file", err);
        goto out;
    }
    print_counts("import", s);
    printf("import report: %s\n", s);
    fldm_string_free(s); s = NULL;

    /* 2. one more record on its own: a batch of one */
    record_json(line, sizeof line, tag, 5, "Einzeln", "1985-07");
    if ((err = fldm_person_from_import_json(line, &p)) ||
        (err = fldm_client_import_person(abh, p, ABH_PURPOSE, ABH_CASE, &s))) {
        fail("import_person", err);
        goto out;
    }
    print_counts("import one", s);
    fldm_string_free(s); s = NULL;
    fldm_person_free(p); p = NULL;

    /* 3. create, update, delete, merge */
    char gone[72], survivor[72], duplicate[72];
    uint64_t version = 0, ignored = 0;
    record_json(line, sizeof line, tag, 6, "Wegzug", "1970");
    if ((err = create(abh, line, gone, sizeof gone, &ignored))) { fail("create", err); goto out; }
    record_json(line, sizeof line, tag, 7, "Bleibt", "1980");
    if ((err = create(abh, line, survivor, sizeof survivor, &version))) {
        fail("create", err);
        goto out;
    }
    record_json(line, sizeof line, tag, 8, "Doppelt", "1980");
    if ((err = create(abh, line, duplicate, sizeof duplicate, &ignored))) {
        fail("create", err);
        goto out;
    }
    if (!gone[0] || !survivor[0] || !duplicate[0]) {
        fprintf(stderr, "import_and_delete: a write result without fldm_id\n");
        goto out;
    }
    printf("created 3 records\n");

    snprintf(line, sizeof line, "{\"fldm_id\":\"%s\",\"aktenzeichen\":\"ABH-%s-7/26-A\"}",
             survivor, tag);
    if ((err = fldm_person_from_json(line, &p)) ||
        (err = fldm_client_update_person(abh, p, version, ABH_PURPOSE, ABH_CASE, &s))) {
        fail("update_person", err);
        goto out;
    }
    printf("updated: version %" PRIu64 " -> %lu\n", version, json_count(s, "version"));
    fldm_string_free(s); s = NULL;
    /* The same update again names a version the record no longer has. */
    err = fldm_client_update_person(abh, p, version, ABH_PURPOSE, ABH_CASE, NULL);
    if (!err || fldm_error_code(err) != FLDM_E_CONFLICT) {
        fprintf(stderr, "import_and_delete: a stale version was not refused\n");
        fldm_error_free(err);
        goto out;
    }
    printf("stale update refused: error %d (%s)\n", (int)fldm_error_code(err),
           fldm_error_reason(err) ? fldm_error_reason(err) : "-");
    fldm_error_free(err); err = NULL;
    fldm_person_free(p); p = NULL;

    /* An unknown reason is refused before anything is sent. */
    err = fldm_client_delete_person(abh, gone, "umzug", ABH_PURPOSE, ABH_CASE, NULL);
    if (!err || fldm_error_code(err) != FLDM_E_INVALID_ARGUMENT) {
        fprintf(stderr, "import_and_delete: an unknown reason was not refused\n");
        fldm_error_free(err);
        goto out;
    }
    printf("unknown reason refused: error %d (field %s)\n", (int)fldm_error_code(err),
           fldm_error_field(err) ? fldm_error_field(err) : "-");
    fldm_error_free(err); err = NULL;
    if ((err = fldm_client_delete_person(abh, gone, "wegzug", ABH_PURPOSE, ABH_CASE, &s))) {
        fail("delete_person", err);
        goto out;
    }
    char reason[32];
    printf("deleted one record, reason %s\n",
           json_text(s, "reason", reason, sizeof reason) ? reason : "?");
    fldm_string_free(s); s = NULL;
    if ((err = fldm_client_merge_persons(abh, survivor, duplicate, ABH_PURPOSE, ABH_CASE, NULL))) {
        fail("merge_persons", err);
        goto out;
    }
    printf("merged a duplicate into the survivor\n");

    /* 4. the housing office reads the tombstones and acts on them */
    if ((err = open_client(url, pki, work, tag, "wohnungsamt", &wa))) {
        fail("connect (wohnungsamt)", err);
        goto out;
    }
    if ((err = fldm_client_changes(wa, 0, WA_PURPOSE, WA_CASE, &feed))) {
        fail("changes", err);
        goto out;
    }
    unsigned long deletions = 0, ours = 0;
    for (;;) {
        fldm_change *c = NULL;
        bool deleted = false;
        if ((err = fldm_change_feed_next(feed, &c))) { fail("change feed", err); goto out; }
        if (!c) break;
        char *id = NULL, *reason = NULL, *at = NULL, *into = NULL;
        if (!(err = fldm_change_is_deletion(c, &deleted)) && deleted) {
            deletions++;
            if (!(err = fldm_change_fldm_id(c, &id)) &&
                (strcmp(id, gone) == 0 || strcmp(id, duplicate) == 0) &&
                !(err = fldm_change_deletion_reason(c, &reason)) &&
                !(err = fldm_change_deleted_at(c, &at)) &&
                !(err = fldm_change_merged_into(c, &into))) {
                /* Here the office deletes its copy, or relinks it to the
                 * survivor; then it says so in its journal. */
                const char *action = into ? "relinked" : "deleted";
                printf("tombstone: reason %s, at %s, %s%s\n", reason, at, action,
                       into && strcmp(into, survivor) == 0 ? " to the survivor" : "");
                err = fldm_client_acknowledge_deletion(wa, c, action, NULL, WA_PURPOSE, WA_CASE);
                if (!err) ours++;
            }
        }
        fldm_string_free(id);
        fldm_string_free(reason);
        fldm_string_free(at);
        fldm_string_free(into);
        fldm_change_free(c);
        if (err) { fail("tombstone", err); goto out; }
    }
    printf("change feed: %lu deletions, %lu of this run acknowledged\n", deletions, ours);
    if (ours != 2) {
        fprintf(stderr, "import_and_delete: expected 2 tombstones of this run, found %lu\n", ours);
        goto out;
    }
    fldm_change_feed_free(feed);
    feed = NULL;

    /* 5. the receiver's journal holds the acknowledgements and verifies */
    if ((err = fldm_client_journal_checkpoint(wa))) { fail("checkpoint", err); goto out; }
    fldm_client_free(wa);
    wa = NULL;
    snprintf(name, sizeof name, "journal-%s-wohnungsamt", tag);
    journal = path(work, name);
    pub = path(pki, "wohnungsamt-audit-signing.pub");
    if ((err = fldm_audit_verify_dir(journal, pub, &s))) { fail("verify journal", err); goto out; }
    printf("housing office journal verified: %lu entries\n", json_count(s, "entries"));
    fldm_string_free(s); s = NULL;
    status = 0;

out:
    fldm_change_feed_free(feed);
    fldm_person_free(p);
    fldm_client_free(wa);
    fldm_client_free(abh);
    fldm_string_free(s);
    free(file); free(pub); free(journal);
    return status;
}
