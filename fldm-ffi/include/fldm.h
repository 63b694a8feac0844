/*
 * fldm.h: the C API of the FLDM SDK.
 *
 * Conventions (the full text is docs/c-api.md):
 *
 * - Handles are opaque. Every fldm_x_new / fldm_x_load / call that returns a
 *   handle through `out` has exactly one NULL-tolerant fldm_x_free.
 * - Fallible functions return fldm_error * : NULL on success, otherwise an
 *   error object with fldm_error_code (FLDM_E_*, grouped by hundreds:
 *   1xx argument, 2xx input, 3xx policy denial, 4xx transport/TLS,
 *   5xx hub, 6xx audit, 9xx internal/panic), fldm_error_message and
 *   fldm_error_reason; free it with fldm_error_free. Out parameters are
 *   written only on success.
 * - Strings are UTF-8 and NUL-terminated. Strings returned through out
 *   parameters are owned by the caller: free them with fldm_string_free.
 *   Strings returned as `const char *` are borrowed (see each function).
 * - Every pointer is checked for NULL; a panic inside the library becomes
 *   FLDM_E_PANIC, never an abort or an unwind into C.
 * - Threads: fldm_policy, fldm_permit, fldm_person, fldm_disclosure,
 *   fldm_change and fldm_client may be used from several threads at once
 *   (fldm_client calls block the calling thread). fldm_client_config,
 *   fldm_change_feed and error objects must be used by one thread at a
 *   time.
 * - Shutdown: free every fldm_change_feed and fldm_client before the
 *   program exits (this joins the client's worker threads and closes its
 *   journal); never free a handle while another thread uses it; do not
 *   call the client from a fork()ed child of the process that created it.
 * - Versioning: FLDM_VERSION_* below describe this header; fldm_version()
 *   tells the library actually linked. Symbols are only added within a
 *   major version; new client operations arrive through
 *   fldm_client_call_json without new symbols.
 */

#ifndef FLDM_H
#define FLDM_H

/* This header is generated from fldm-ffi by cbindgen (fldm-ffi/cbindgen.toml); do not edit it by hand. */

#include <stdint.h>
#include <stddef.h>
#include <stdbool.h>
// The version of this header (fldm_version() tells the library linked).
#define FLDM_VERSION_STRING "0.1.0"


// Major version of this library (the header's `FLDM_VERSION_MAJOR`).
#define FLDM_VERSION_MAJOR 0

// Minor version.
#define FLDM_VERSION_MINOR 1

// Patch version.
#define FLDM_VERSION_PATCH 0

// `id_kind` of `fldm_client_get_person`: an FLDM id (`P` + 9 digits).
#define FLDM_ID_FLDM 0

// `id_kind` of `fldm_client_get_person`: an AZR-Nummer (12 digits).
#define FLDM_ID_AZR 1

// A required pointer argument was NULL.
#define FLDM_E_NULL_ARGUMENT 101

// A string argument is not valid UTF-8.
#define FLDM_E_INVALID_UTF8 102

// An argument has a value the function does not accept (unknown operation,
// unknown "op", index out of range, malformed request JSON).
#define FLDM_E_INVALID_ARGUMENT 103

// A value failed validation (the message names the field).
#define FLDM_E_INVALID_INPUT 201

// JSON input could not be decoded (the message names the field and position).
#define FLDM_E_JSON 202

// XML input could not be decoded.
#define FLDM_E_XML 203

// The client configuration is incomplete or a file it names cannot be read
// (CA, certificate, key, journal keys).
#define FLDM_E_CONFIG 204

// A policy file is invalid (the message names file, line and rule).
#define FLDM_E_POLICY_FILE 205

// A file could not be read or written.
#define FLDM_E_IO 206

// The request lacks what the law requires (purpose, user); reported by the hub.
#define FLDM_E_MISSING_CONTEXT 207

// The policy denied the request (local decision or the hub's);
// `fldm_error_reason` gives the reason code, e.g. `case_reference_required`.
#define FLDM_E_POLICY_DENIED 301

// The TLS handshake failed (unknown CA, certificate not accepted).
#define FLDM_E_TLS 401

// The request did not complete in time.
#define FLDM_E_TIMEOUT 402

// The hub could not be reached or the connection broke.
#define FLDM_E_UNREACHABLE 403

// No such person or resource.
#define FLDM_E_NOT_FOUND 501

// A write conflicted (idempotency key reused, concurrent update).
#define FLDM_E_CONFLICT 502

// The hub failed (HTTP 5xx, including `audit_unavailable`);
// `fldm_error_reason` gives the hub's problem code.
#define FLDM_E_SERVER 503

// The hub answered something this library cannot read.
#define FLDM_E_PROTOCOL 504

// An audit journal could not be written or read (fail closed: the data
// of the call was discarded).
#define FLDM_E_AUDIT 601

// Verification found tampering; the message lists the problems.
#define FLDM_E_AUDIT_TAMPERED 602

// A proof bundle does not verify.
#define FLDM_E_BUNDLE_INVALID 603

// An internal error of the library.
#define FLDM_E_INTERNAL 901

// A panic inside the library was caught at the boundary. The library is
// still usable, but the object the call worked on may be in any state;
// free it.
#define FLDM_E_PANIC 902

// One change-feed entry: a change of a record (sequence number, changed
// attribute names, the record as the office may see it) or its deletion,
// a tombstone (`fldm_change_is_deletion`: reason, time, and for a merge
// the surviving record). Immutable; free with `fldm_change_free`.
typedef struct fldm_change fldm_change;

// A reader of the hub's change feed. Use from one thread at a time.
typedef struct fldm_change_feed fldm_change_feed;

// A connected hub client: TLS configuration, connection pool, client-stage
// audit journal and a small runtime of two worker threads. Thread-safe:
// one client may be used from many threads at once.
typedef struct fldm_client fldm_client;

// Client configuration (a builder). Not thread-safe; free with
// `fldm_client_config_free` after `fldm_client_new` (which copies it).
typedef struct fldm_client_config fldm_client_config;

// A disclosure received from the hub: the filtered record plus the
// decision (rule, legal basis, policy hash). Immutable; free with
// `fldm_disclosure_free`.
typedef struct fldm_disclosure fldm_disclosure;

// An error: a numeric code (`FLDM_E_*`), a message for people (never
// personal data) and, where known, a machine reason code, the field
// concerned and the request id of the hub call. Owned by the caller; free
// with `fldm_error_free`.
typedef struct fldm_error fldm_error;

// A permit: the deciding rule, its legal basis, the attribute set and the
// transformations. Immutable and safe to share between threads; it stays
// valid after the policy it came from is freed.
typedef struct fldm_permit fldm_permit;

// A person record (Kerndatensatz), immutable. Owned by the caller; free
// with `fldm_person_free`. Safe to read from several threads at once.
typedef struct fldm_person fldm_person;

// A loaded, validated policy; immutable and safe to share between threads.
typedef struct fldm_policy fldm_policy;

#ifdef __cplusplus
extern "C" {
#endif // __cplusplus

// The version of the library actually linked, e.g. `"0.1.0"`. Static
// string: do not free. Compare with `FLDM_VERSION_STRING` of the header
// the program was compiled with.
const char *fldm_version(void);

// Free a string returned by this library. NULL is allowed.
//
// # Safety
// `s` is NULL or a string returned by this library through an out
// parameter, not yet freed.
void fldm_string_free(char *s);

// TEST ONLY: panics inside the library, to show that the panic boundary
// turns a panic into the error `FLDM_E_PANIC` instead of aborting the
// process. Compiled into every build so that a vendor can check the
// boundary with the very library they ship; never call it otherwise.
// (The panic message is also printed to stderr by the default panic hook.)
fldm_error *fldm_test_panic(void);

// Verify the journal in directory `dir` with the owner's public key file
// (as written by `fldm audit keygen` / `fldm init-pki`). Intact: `*out` is
// a JSON report (`intact`, `entries`, `pruned`, `checkpoints`,
// `checkpoints_verified`, `verified_size`, `uncovered`, `bytes`, `notes`).
// Tampered: `FLDM_E_AUDIT_TAMPERED`, the message lists the problems, each
// naming the entry or checkpoint. Unreadable: `FLDM_E_IO` / `FLDM_E_AUDIT`.
//
// # Safety
// `dir` and `public_key_path` are NUL-terminated; `out` is valid for a write.
fldm_error *fldm_audit_verify_dir(const char *dir, const char *public_key_path, char **out);

// Verify an offline proof bundle (the JSON text of `fldm audit prove`)
// with the owner's public key file. On success `*out_index` is the index
// of the proven entry. `FLDM_E_BUNDLE_INVALID` when the proof or the
// signature does not verify; `FLDM_E_JSON` / `FLDM_E_AUDIT` when the text
// is not a bundle.
//
// # Safety
// `bundle_json` and `public_key_path` are NUL-terminated; `out_index` is
// valid for a write.
fldm_error *fldm_audit_verify_bundle(const char *bundle_json,
                                     const char *public_key_path,
                                     uint64_t *out_index);

// Connect: read the certificates, open the journal, start the runtime.
// Nothing is sent yet. `FLDM_E_CONFIG` names the missing or unreadable
// setting (`fldm_error_field`). The configuration is not consumed.
//
// # Safety
// `config` is live; `out` is valid for a write.
fldm_error *fldm_client_new(const fldm_client_config *config, fldm_client **out);

// Free a client: waits for its runtime to stop; the journal is closed.
// NULL is allowed. Change feeds created from the client stay usable
// until they are freed themselves.
//
// # Safety
// `client` is NULL or a client from this library, not yet freed, and no
// other thread is using it.
void fldm_client_free(fldm_client *client);

// Write a signed checkpoint of the client journal now (needs a signing
// key; without a journal this does nothing).
//
// # Safety
// `client` is live.
fldm_error *fldm_client_journal_checkpoint(const fldm_client *client);

// One entry point for every client operation, JSON in and JSON out, so
// that new operations need no new symbols. `request_json` is an object
// with `"op"` and the operation's fields (see docs/c-api.md):
// `health`; `get_person` (`fldm_id` or `azr_nummer`); `search` (`query`);
// `update_address` (`fldm_id`, `anschrift`, `idempotency_key`?);
// `report_correction` (`fldm_id`, `report`, `idempotency_key`?);
// `corrections` (`status`?); `decide_correction` (`correction_id`,
// `status`, `idempotency_key`?); `changes_page` (`cursor`?, `limit`?);
// `access_report` (`fldm_id`); the record life cycle: `import_persons`
// (`records`), `import_file` (`path`, `format`?), `create_person`
// (`record`), `update_person` (`record`, `expected_version`?),
// `delete_person` (`fldm_id`, `reason`), `merge_persons` (`survivor`,
// `duplicate`), `acknowledge_deletion` (`fldm_id`, `reason`, `at`,
// `merged_into`?, `action`, `to`?). Every op except `health` takes `purpose`
// and `case_reference`?. `*out_json` is the hub's response object.
// A malformed request (unknown op, missing, mistyped or unknown field) is
// `FLDM_E_INVALID_ARGUMENT` and `fldm_error_field` names the field;
// malformed JSON is `FLDM_E_JSON`; the other errors are the typed calls'.
//
// # Safety
// `client` is live; `request_json` is NUL-terminated; `out_json` is valid
// for a write.
fldm_error *fldm_client_call_json(const fldm_client *client,
                                  const char *request_json,
                                  char **out_json);

// Search by Grundpersonalien. `query_json`: `{"familienname": ...,
// "vornamen": ..., "geburtsdatum": ..., "geschlecht": ...,
// "staatsangehoerigkeit": ..., "limit": ...}` (all optional). `*out` is
// the response JSON: `request_id`, `decision`, `candidates` (each with
// `score`, `probability`, `matched_on`, `record`). Non-matching
// candidates must be deleted at once (AZRG § 10 Abs. 3).
//
// # Safety
// `client` is live; the strings are NUL-terminated or NULL where allowed;
// `out` is valid for a write.
fldm_error *fldm_client_search(const fldm_client *client,
                               const char *query_json,
                               const char *purpose,
                               const char *case_reference,
                               char **out);

// Write back the current address (housing office). `anschrift_json`: an
// address object (`strasse`, `hausnummer`, `zusatz`, `postleitzahl`,
// `ort`, `einzugsdatum`). `idempotency_key`: a stable key makes the write
// safe to repeat (NULL: generated). `*out` (if `out` is not NULL) is the
// write result JSON (`fldm_id`, `version`, `changed`, `decision`).
//
// # Safety
// `client` is live; the strings are NUL-terminated or NULL where allowed;
// `out` is NULL or valid for a write.
fldm_error *fldm_client_update_address(const fldm_client *client,
                                       const char *fldm_id,
                                       const char *anschrift_json,
                                       const char *purpose,
                                       const char *case_reference,
                                       const char *idempotency_key,
                                       char **out);

// Report a correction (Berichtigung) to the owning office. `report_json`:
// `{"attributes": ["grundpersonalien.familienname", ...], "note": "..."}`.
// `*out` (if `out` is not NULL) is the correction JSON (`id`, `status`, ...).
//
// # Safety
// `client` is live; the strings are NUL-terminated or NULL where allowed;
// `out` is NULL or valid for a write.
fldm_error *fldm_client_report_correction(const fldm_client *client,
                                          const char *fldm_id,
                                          const char *report_json,
                                          const char *purpose,
                                          const char *case_reference,
                                          const char *idempotency_key,
                                          char **out);

// A new configuration for the hub at `base_url` (`https://host:port`).
// Required before `fldm_client_new`: CA, identity, user, and a journal
// choice (`fldm_client_config_set_journal_dir` or
// `fldm_client_config_set_no_journal`).
//
// # Safety
// `base_url` is NUL-terminated; `out` is valid for a write.
fldm_error *fldm_client_config_new(const char *base_url, fldm_client_config **out);

// Free a configuration. NULL is allowed.
//
// # Safety
// `config` is NULL or a configuration from this library, not yet freed.
void fldm_client_config_free(fldm_client_config *config);

// The CA certificate file (PEM) the hub's certificate must chain to. Only
// this CA is trusted, never the system store. The file is read by
// `fldm_client_new`.
//
// # Safety
// `config` is live; `path` is NUL-terminated.
fldm_error *fldm_client_config_set_ca_file(fldm_client_config *config, const char *path);

// The office's client certificate chain and private key (PEM files).
//
// # Safety
// `config` is live; `cert_path` and `key_path` are NUL-terminated.
fldm_error *fldm_client_config_set_identity_files(fldm_client_config *config,
                                                  const char *cert_path,
                                                  const char *key_path);

// The retrieving person (user id in the office's system), sent with every
// request and written into both journals. Required.
//
// # Safety
// `config` is live; `user` is NUL-terminated.
fldm_error *fldm_client_config_set_user(fldm_client_config *config, const char *user);

// The office id, recorded as the requesting office in the client journal
// (the hub takes the office from the certificate, never from the client).
// Required with `fldm_client_config_set_journal_dir`: without it
// `fldm_client_new` fails with `FLDM_E_CONFIG` naming `office`.
//
// # Safety
// `config` is live; `office` is NUL-terminated.
fldm_error *fldm_client_config_set_office(fldm_client_config *config, const char *office);

// Timeouts in milliseconds: of one attempt (default 30000) and of the
// connect (default 10000). 0 keeps the default.
//
// # Safety
// `config` is live.
fldm_error *fldm_client_config_set_timeouts(fldm_client_config *config,
                                            uint64_t timeout_ms,
                                            uint64_t connect_timeout_ms);

// Attempts per idempotent call including the first (default 4; 1 = no
// retries). Must be at least 1.
//
// # Safety
// `config` is live.
fldm_error *fldm_client_config_set_max_attempts(fldm_client_config *config, uint32_t max_attempts);

// Write the client-stage audit journal into `dir` (created if needed).
// `signing_key_path`: Ed25519 PKCS#8 file for signed checkpoints (NULL:
// no checkpoints). `pseudonym_key_path`: key for subject references (NULL:
// generated in `dir` on first use).
//
// # Safety
// `config` is live; `dir` is NUL-terminated; the key paths are
// NUL-terminated or NULL.
fldm_error *fldm_client_config_set_journal_dir(fldm_client_config *config,
                                               const char *dir,
                                               const char *signing_key_path,
                                               const char *pseudonym_key_path);

// Run without a client-stage journal (the hub still logs every access).
// The choice must be explicit: a configuration with neither this nor a
// journal directory is rejected by `fldm_client_new`.
//
// # Safety
// `config` is live.
fldm_error *fldm_client_config_set_no_journal(fldm_client_config *config);

// Get a person by FLDM id (`id_kind` 0) or AZR-Nummer (`id_kind` 1),
// filtered to what the office may receive for `purpose` (Abrufzweck) with
// `case_reference` (Geschäftszeichen, NULL if none).
//
// # Safety
// `client` is live; the strings are NUL-terminated or NULL where allowed;
// `out` is valid for a write.
fldm_error *fldm_client_get_person(const fldm_client *client,
                                   const char *id,
                                   int32_t id_kind,
                                   const char *purpose,
                                   const char *case_reference,
                                   fldm_disclosure **out);

// Free a disclosure. NULL is allowed.
//
// # Safety
// `disclosure` is NULL or a disclosure from this library, not yet freed.
void fldm_disclosure_free(fldm_disclosure *disclosure);

// The disclosed record. Borrowed: valid as long as `disclosure`; do not
// free it. NULL if `disclosure` is NULL.
//
// # Safety
// `disclosure` is NULL or live.
const fldm_person *fldm_disclosure_person(const fldm_disclosure *disclosure);

// The whole disclosure as JSON (`request_id`, `decision` with `rule_id`,
// `legal_basis`, `policy_hash`, `attributes`, `transformations`, and
// `record`), as sent by the hub.
//
// # Safety
// `disclosure` is live; `out` is valid for a write.
fldm_error *fldm_disclosure_to_json(const fldm_disclosure *disclosure, char **out);

// The deciding rule id and the legal basis, e.g. `§ 14 Abs. 1 AZRG`.
//
// # Safety
// `disclosure` is live; `out_rule_id` and `out_legal_basis` are valid for writes.
fldm_error *fldm_disclosure_decision(const fldm_disclosure *disclosure,
                                     char **out_rule_id,
                                     char **out_legal_basis);

// Start reading the change feed after `cursor` (0: from the beginning).
// Pages are fetched as needed by `fldm_change_feed_next`.
//
// # Safety
// `client` is live; the strings are NUL-terminated or NULL where allowed;
// `out` is valid for a write.
fldm_error *fldm_client_changes(const fldm_client *client,
                                uint64_t cursor,
                                const char *purpose,
                                const char *case_reference,
                                fldm_change_feed **out);

// The next entry: `*out` is a new change, or NULL when the feed is
// (currently) exhausted. After an error the feed ends; start a new one
// from `fldm_change_feed_cursor` to resume.
//
// # Safety
// `feed` is live and used by one thread at a time; `out` is valid for a write.
fldm_error *fldm_change_feed_next(fldm_change_feed *feed, fldm_change **out);

// The cursor after the last entry returned; store it to resume later.
//
// # Safety
// `feed` is live; `out` is valid for a write.
fldm_error *fldm_change_feed_cursor(const fldm_change_feed *feed, uint64_t *out);

// Free a change feed. NULL is allowed.
//
// # Safety
// `feed` is NULL or a feed from this library, not yet freed.
void fldm_change_feed_free(fldm_change_feed *feed);

// The sequence number of a change (0 if `change` is NULL).
//
// # Safety
// `change` is NULL or live.
uint64_t fldm_change_seq(const fldm_change *change);

// The record after the change, as the office may see it. Borrowed: valid
// as long as `change`. NULL if `change` is NULL.
//
// A deletion (`fldm_change_is_deletion`) carries no record: for it this
// is a record with only the FLDM id (every other accessor writes NULL,
// `fldm_person_attributes_json` gives `[]`), never the deleted data. Check `fldm_change_is_deletion` first, or use
// `fldm_change_fldm_id`.
//
// # Safety
// `change` is NULL or live.
const fldm_person *fldm_change_person(const fldm_change *change);

// The change as JSON: `seq`, `fldm_id`, `changed` (attribute names),
// `record`; a deletion has `seq`, `fldm_id` and `deleted` (`reason`,
// `at`, `merged_into` for a merge) and no record.
//
// # Safety
// `change` is live; `out` is valid for a write.
fldm_error *fldm_change_to_json(const fldm_change *change, char **out);

// The FLDM id of the person the change concerns (also of a deletion).
//
// # Safety
// `change` is live; `out` is valid for a write.
fldm_error *fldm_change_fldm_id(const fldm_change *change, char **out);

// `*out` is true if the change is a deletion (a tombstone): the record
// was deleted by its owner, by deadline or by a merge. The receiver must
// delete its copy, or for a merge (`fldm_change_merged_into`) relink it
// to the survivor, and say so with `fldm_client_acknowledge_deletion`.
//
// # Safety
// `change` is live; `out` is valid for a write.
fldm_error *fldm_change_is_deletion(const fldm_change *change, bool *out);

// The reason code of a deletion: `frist`, `wegzug`, `einbuergerung`,
// `tod`, `ausreise`, `doppelerfassung`, `berichtigung`, `abgang` or
// `sonstiges`. Not a deletion: `FLDM_E_INVALID_ARGUMENT` with field
// `change`.
//
// # Safety
// `change` is live; `out` is valid for a write.
fldm_error *fldm_change_deletion_reason(const fldm_change *change, char **out);

// When the record was deleted (RFC 3339, UTC, milliseconds, e.g.
// `2026-12-03T10:00:00.000Z`). Not a deletion: `FLDM_E_INVALID_ARGUMENT`
// with field `change`.
//
// # Safety
// `change` is live; `out` is valid for a write.
fldm_error *fldm_change_deleted_at(const fldm_change *change, char **out);

// For a deletion by merge, the FLDM id of the surviving record, to which
// the receiver relinks its copy; NULL for every other change (other
// deletions included).
//
// # Safety
// `change` is live; `out` is valid for a write.
fldm_error *fldm_change_merged_into(const fldm_change *change, char **out);

// Free a change. NULL is allowed.
//
// # Safety
// `change` is NULL or a change from this library, not yet freed.
void fldm_change_free(fldm_change *change);

// Bulk import of a file (owning office): JSON lines or an XML list
// (`<fldm:personen>`). `format`: `"json"`, `"xml"`, or NULL to take it
// from the file name (`.xml` is XML, anything else JSON lines); another
// value is `FLDM_E_INVALID_ARGUMENT` with field `format`. Records are
// keyed by the owner's key (AZR-Nummer, else Aktenzeichen), sent in
// batches and created, updated or left unchanged; an `fldm_id` in the
// file is ignored.
//
// `*out_report_json` is the import report:
// `{"created":N,"updated":N,"unchanged":N,"refused":N,"batches":N,
// "refusals":[{"index":N,"field":"...","reason":"..."}]}`, `index` the
// 0-based position in the file. A record that cannot be decoded is
// refused before sending (reason `invalid`) and the import goes on. A
// file that cannot be opened is `FLDM_E_IO`; input that cannot be read
// any further (malformed XML, invalid UTF-8) stops the import with
// `FLDM_E_XML` / `FLDM_E_JSON` / `FLDM_E_IO` naming the record index,
// and only the batches sent before it are imported (running the import
// again after fixing the file reports them `unchanged`).
//
// # Safety
// `client` is live; the strings are NUL-terminated or NULL where allowed;
// `out_report_json` is valid for a write.
fldm_error *fldm_client_import_file(const fldm_client *client,
                                    const char *path,
                                    const char *format,
                                    const char *purpose,
                                    const char *case_reference,
                                    char **out_report_json);

// Import one record (owning office): a batch of one, keyed, upserted and
// reported like a record of `fldm_client_import_file`; its `fldm_id` is
// ignored (make it with `fldm_person_from_import_json`).
// `*out_report_json` is the import report of that file function, with
// `index` 0. A refusal is not an error: it is in the report (`refused`
// 1, the field and the reason).
//
// # Safety
// `client` and `person` are live; the strings are NUL-terminated or NULL
// where allowed; `out_report_json` is valid for a write.
fldm_error *fldm_client_import_person(const fldm_client *client,
                                      const fldm_person *person,
                                      const char *purpose,
                                      const char *case_reference,
                                      char **out_report_json);

// Create a record (owning office). The hub assigns the FLDM id; the
// person's own `fldm_id` is not sent (make it with
// `fldm_person_from_import_json`). `*out_json` (if `out_json` is not
// NULL) is the write result: `{"request_id", "decision", "fldm_id" (the
// new id), "version", "changed"}`.
//
// # Safety
// `client` and `person` are live; the strings are NUL-terminated or NULL
// where allowed; `out_json` is NULL or valid for a write.
fldm_error *fldm_client_create_person(const fldm_client *client,
                                      const fldm_person *person,
                                      const char *purpose,
                                      const char *case_reference,
                                      char **out_json);

// Update a record (owning office): `patch` is a partial record whose
// `fldm_id` names the record; the attributes present in it are set.
// `expected_version`: the version the caller last read (from a write
// result); the hub refuses the update with `FLDM_E_CONFLICT` (reason
// `version_conflict`) if the record has another one. 0 = unconditional.
// `*out_json` (if `out_json` is not NULL) is the write result
// (`fldm_id`, `version`, `changed`, `decision`).
//
// # Safety
// `client` and `patch` are live; the strings are NUL-terminated or NULL
// where allowed; `out_json` is NULL or valid for a write.
fldm_error *fldm_client_update_person(const fldm_client *client,
                                      const fldm_person *patch,
                                      uint64_t expected_version,
                                      const char *purpose,
                                      const char *case_reference,
                                      char **out_json);

// Delete a record (owning office) with a reason code: `frist`,
// `wegzug`, `einbuergerung`, `tod`, `ausreise`, `doppelerfassung`,
// `berichtigung`, `abgang` or `sonstiges` (another value is
// `FLDM_E_INVALID_ARGUMENT` with field `reason`; nothing is sent). The
// hub forgets the record, and every office that may read it gets a
// tombstone in its change feed. `*out_json` (if `out_json` is not NULL)
// is the delete result: `{"request_id", "decision", "fldm_id",
// "deleted": {"reason", "at"}}`.
//
// # Safety
// `client` is live; the strings are NUL-terminated or NULL where
// allowed; `out_json` is NULL or valid for a write.
fldm_error *fldm_client_delete_person(const fldm_client *client,
                                      const char *fldm_id,
                                      const char *reason,
                                      const char *purpose,
                                      const char *case_reference,
                                      char **out_json);

// Merge the record `duplicate` into `survivor` (owning office): the
// survivor keeps its FLDM id, the duplicate is deleted with reason
// `doppelerfassung` and its tombstone names the survivor
// (`merged_into`). `*out_json` (if `out_json` is not NULL) is the merge
// result: `{"request_id", "decision", "fldm_id", "version",
// "duplicate", "deleted"}`.
//
// # Safety
// `client` is live; the strings are NUL-terminated or NULL where
// allowed; `out_json` is NULL or valid for a write.
fldm_error *fldm_client_merge_persons(const fldm_client *client,
                                      const char *survivor,
                                      const char *duplicate,
                                      const char *purpose,
                                      const char *case_reference,
                                      char **out_json);

// Journal that this office acted on a deletion it read from its change
// feed: it deleted its copy (`action` `"deleted"`, journaled as
// operation `delete`) or relinked it to the surviving record of a merge
// (`"relinked"`, operation `combine`). `relinked_to`: for `"relinked"`
// the FLDM id the copy is now linked to, NULL for the change's
// `fldm_change_merged_into`; must be NULL for `"deleted"`. Sends
// nothing: appends one client-journal record with the purpose, the case
// reference, the person and the tombstone's reason code (without a
// journal, `fldm_client_config_set_no_journal`, it checks the arguments
// and writes nothing).
//
// Errors: `change` not a deletion, `action` unknown, `relinked_to`
// missing (relinked, not a merge) or given (deleted):
// `FLDM_E_INVALID_ARGUMENT` with field `change`, `action` or
// `relinked_to`; the journal cannot be written: `FLDM_E_AUDIT`.
//
// # Safety
// `client` and `change` are live; the strings are NUL-terminated or NULL
// where allowed.
fldm_error *fldm_client_acknowledge_deletion(const fldm_client *client,
                                             const fldm_change *change,
                                             const char *action,
                                             const char *relinked_to,
                                             const char *purpose,
                                             const char *case_reference);

// The error's code (`FLDM_E_*`), 0 if `error` is NULL.
//
// # Safety
// `error` is NULL or a live error returned by this library.
int32_t fldm_error_code(const fldm_error *error);

// The error's message (UTF-8, never personal data). Borrowed: valid until
// `fldm_error_free(error)`; do not free it. NULL if `error` is NULL.
//
// # Safety
// `error` is NULL or a live error returned by this library.
const char *fldm_error_message(const fldm_error *error);

// A machine reason code where the error has one: the deny reason of
// `FLDM_E_POLICY_DENIED` (e.g. `case_reference_required`), the hub's
// problem code of `FLDM_E_SERVER`/`FLDM_E_CONFLICT`/`FLDM_E_MISSING_CONTEXT`,
// the field of a hub `FLDM_E_INVALID_INPUT`. NULL otherwise. Borrowed like
// the message.
//
// # Safety
// `error` is NULL or a live error returned by this library.
const char *fldm_error_reason(const fldm_error *error);

// The request id of the hub call that failed, where the hub answered
// (denials, missing context, not found, invalid input, conflicts, hub
// failures): quote it when reporting a problem to the hub's operator.
// NULL for local errors and when the hub was not reached. Borrowed like
// the message.
//
// # Safety
// `error` is NULL or a live error returned by this library.
const char *fldm_error_request_id(const fldm_error *error);

// The field the error concerns, where known: the request field of a
// malformed request (`FLDM_E_INVALID_ARGUMENT` from
// `fldm_client_call_json`), the path of an invalid value
// (`grundpersonalien.geschlecht`), the configuration setting of
// `FLDM_E_CONFIG`. NULL otherwise. Borrowed like the message.
//
// # Safety
// `error` is NULL or a live error returned by this library.
const char *fldm_error_field(const fldm_error *error);

// Free an error. NULL is allowed and does nothing.
//
// # Safety
// `error` is NULL or an error returned by this library, not yet freed.
void fldm_error_free(fldm_error *error);

// Decode a person from JSON (strict: unknown fields are an error naming
// the field) and validate it.
//
// # Safety
// `json` is a NUL-terminated string; `out` is valid for a write.
fldm_error *fldm_person_from_json(const char *json, fldm_person **out);

// Decode a record to be created or imported (`fldm_client_create_person`,
// `fldm_client_import_person`) from JSON: as `fldm_person_from_json`
// (strict, validated), but the `fldm_id` may be absent, as the hub
// assigns it; such a record's `fldm_person_fldm_id` is the placeholder
// `IMPORT`, which is never sent.
//
// # Safety
// `json` is a NUL-terminated string; `out` is valid for a write.
fldm_error *fldm_person_from_import_json(const char *json, fldm_person **out);

// Decode a person from an XML document with the root `<fldm:person>`.
//
// # Safety
// `xml` is a NUL-terminated string; `out` is valid for a write.
fldm_error *fldm_person_from_xml(const char *xml, fldm_person **out);

// Free a person. NULL is allowed.
//
// # Safety
// `person` is NULL or a person from this library, not yet freed.
void fldm_person_free(fldm_person *person);

// Encode as compact JSON (`*out`: owned, free with `fldm_string_free`).
//
// # Safety
// `person` is a live person; `out` is valid for a write.
fldm_error *fldm_person_to_json(const fldm_person *person, char **out);

// Encode as an XML document with the root `<fldm:person>`.
//
// # Safety
// `person` is a live person; `out` is valid for a write.
fldm_error *fldm_person_to_xml(const fldm_person *person, char **out);

// The FLDM id (always present).
// `*out`: owned string, NULL when absent (see the module notes).
//
// # Safety
// `person` is a live person; `out` is valid for a write.
fldm_error *fldm_person_fldm_id(const fldm_person *person, char **out);

// The AZR-Nummer.
// `*out`: owned string, NULL when absent (see the module notes).
//
// # Safety
// `person` is a live person; `out` is valid for a write.
fldm_error *fldm_person_azr_nummer(const fldm_person *person, char **out);

// Familienname.
// `*out`: owned string, NULL when absent (see the module notes).
//
// # Safety
// `person` is a live person; `out` is valid for a write.
fldm_error *fldm_person_familienname(const fldm_person *person, char **out);

// Geburtsname.
// `*out`: owned string, NULL when absent (see the module notes).
//
// # Safety
// `person` is a live person; `out` is valid for a write.
fldm_error *fldm_person_geburtsname(const fldm_person *person, char **out);

// Vornamen.
// `*out`: owned string, NULL when absent (see the module notes).
//
// # Safety
// `person` is a live person; `out` is valid for a write.
fldm_error *fldm_person_vornamen(const fldm_person *person, char **out);

// Geburtsdatum as text: `YYYY-MM-DD`, `YYYY-MM`, `YYYY` or `unbekannt`.
// `*out`: owned string, NULL when absent (see the module notes).
//
// # Safety
// `person` is a live person; `out` is valid for a write.
fldm_error *fldm_person_geburtsdatum(const fldm_person *person, char **out);

// Geburtsort.
// `*out`: owned string, NULL when absent (see the module notes).
//
// # Safety
// `person` is a live person; `out` is valid for a write.
fldm_error *fldm_person_geburtsort(const fldm_person *person, char **out);

// Geschlecht code (XInneres list `geschlecht`): `m`, `w`, `x` or `d`.
// `*out`: owned string, NULL when absent (see the module notes).
//
// # Safety
// `person` is a live person; `out` is valid for a write.
fldm_error *fldm_person_geschlecht(const fldm_person *person, char **out);

// The current address (`anschrift.aktuell`) as a JSON object.
// `*out`: owned string, NULL when absent (see the module notes).
//
// # Safety
// `person` is a live person; `out` is valid for a write.
fldm_error *fldm_person_anschrift_json(const fldm_person *person, char **out);

// The catalogue names of the attributes the record carries, as a JSON
// array (e.g. `["grundpersonalien.familienname", ...]`).
// `*out`: owned string, NULL when absent (see the module notes).
//
// # Safety
// `person` is a live person; `out` is valid for a write.
fldm_error *fldm_person_attributes_json(const fldm_person *person, char **out);

// Number of Staatsangehörigkeiten.
//
// # Safety
// `person` is a live person; `out` is valid for a write.
fldm_error *fldm_person_nationality_count(const fldm_person *person, size_t *out);

// The `index`-th Staatsangehörigkeit as its DESTATIS code (3 digits).
// `FLDM_E_INVALID_ARGUMENT` if `index` is out of range.
//
// # Safety
// `person` is a live person; `out` is valid for a write.
fldm_error *fldm_person_nationality_at(const fldm_person *person, size_t index, char **out);

// Load and validate a policy file (TOML). Errors name file, line and rule.
//
// # Safety
// `path` is a NUL-terminated string; `out` is valid for a write.
fldm_error *fldm_policy_load(const char *path, fldm_policy **out);

// Parse and validate policy text; `source_name` is used in error messages.
//
// # Safety
// `text` and `source_name` are NUL-terminated strings; `out` is valid for a write.
fldm_error *fldm_policy_from_str(const char *text, const char *source_name, fldm_policy **out);

// Free a policy. NULL is allowed.
//
// # Safety
// `policy` is NULL or a policy from this library, not yet freed.
void fldm_policy_free(fldm_policy *policy);

// The policy's id and the hash of its canonical form, as a JSON object
// `{"id": ..., "hash": ..., "source": ...}`.
//
// # Safety
// `policy` is a live policy; `out` is valid for a write.
fldm_error *fldm_policy_info_json(const fldm_policy *policy, char **out);

// Decide a request locally: may `office` perform `operation` (`read`,
// `search`, `write`, `changes`, `statistics`, `audit`) for `purpose`
// (Abrufzweck code), with `case_reference` (NULL if none), on `date`
// (`YYYY-MM-DD`, NULL = today in UTC)? On a permit `*out` is the permit;
// a denial is the error `FLDM_E_POLICY_DENIED` whose reason is the deny
// reason code (`no_matching_rule`, `case_reference_required`, ...).
//
// # Safety
// `policy` is a live policy; the strings are NUL-terminated or NULL where
// allowed; `out` is valid for a write.
fldm_error *fldm_policy_decide(const fldm_policy *policy,
                               const char *office,
                               const char *operation,
                               const char *purpose,
                               const char *case_reference,
                               const char *date,
                               fldm_permit **out);

// Free a permit. NULL is allowed.
//
// # Safety
// `permit` is NULL or a permit from this library, not yet freed.
void fldm_permit_free(fldm_permit *permit);

// The permit as JSON: rule id, operation, legal basis (law, section,
// citation), permitted attributes, transformations, case reference
// requirement, retention (ISO 8601 duration such as `P6M`, and
// `retention_text`, e.g. `6 months`) and policy hash.
//
// # Safety
// `permit` is a live permit; `out` is valid for a write.
fldm_error *fldm_permit_to_json(const fldm_permit *permit, char **out);

// The id of the deciding rule (owned string).
//
// # Safety
// `permit` is a live permit; `out` is valid for a write.
fldm_error *fldm_permit_rule_id(const fldm_permit *permit, char **out);

// The legal basis in short form, e.g. `§ 14 Abs. 1 AZRG` (owned string).
//
// # Safety
// `permit` is a live permit; `out` is valid for a write.
fldm_error *fldm_permit_legal_basis(const fldm_permit *permit, char **out);

// Apply the permit to a person: `*out` is a new person holding exactly the
// permitted attributes (plus the FLDM id), transformations applied.
//
// # Safety
// `permit` and `person` are live; `out` is valid for a write.
fldm_error *fldm_permit_apply(const fldm_permit *permit,
                              const fldm_person *person,
                              fldm_person **out);

// Apply the permit to one JSON record (strictly decoded and validated);
// `*out` is the disclosure as compact JSON.
//
// # Safety
// `permit` is live; `record_json` is NUL-terminated; `out` is valid for a write.
fldm_error *fldm_permit_apply_json(const fldm_permit *permit, const char *record_json, char **out);

// Apply the permit to one XML record (`<fldm:person>` document); `*out` is
// the disclosure as an XML document.
//
// # Safety
// `permit` is live; `record_xml` is NUL-terminated; `out` is valid for a write.
fldm_error *fldm_permit_apply_xml(const fldm_permit *permit, const char *record_xml, char **out);

// What `office` (NULL: all) receives for `purpose` (NULL: all), and why.
// `format`: `text`, `markdown`, `csv` (the DSGVO Art. 30 matrix) or `json`
// (an array of rows; retention as an ISO 8601 duration such as `P6M`
// plus `retention_text`, e.g. `6 months`).
//
// # Safety
// `policy` is live; the strings are NUL-terminated or NULL where allowed;
// `out` is valid for a write.
fldm_error *fldm_policy_explain(const fldm_policy *policy,
                                const char *office,
                                const char *purpose,
                                const char *format,
                                char **out);

// Benchmark baseline: run `fldm_permit_apply_json`'s work (decode,
// validate, apply, encode) `iterations` times in a plain Rust loop and
// write the elapsed nanoseconds. A C program times its own loop of
// `fldm_permit_apply_json` calls on the same input; the ratio of the two
// is the cost of the C boundary.
//
// # Safety
// `permit` is live; `record_json` is NUL-terminated; `out_nanos` is valid
// for a write.
fldm_error *fldm_bench_rust_apply_json(const fldm_permit *permit,
                                       const char *record_json,
                                       uint64_t iterations,
                                       uint64_t *out_nanos);

#ifdef __cplusplus
}  // extern "C"
#endif  // __cplusplus

#endif  /* FLDM_H */
