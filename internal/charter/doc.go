// Package charter holds the pure rules of the « charte de l'aidant
// numérique »: its versions (read from content/charte, rendered to HTML),
// the signature evidence and its append-only hash chain, verification codes,
// the status of a signature, and the attestation PDF. It takes no database
// and no clock: storage and handlers pass what they read and `now`.
//
// # What is hashed
//
//   - A version's SHA256 is the SHA-256 (lower-case hex) of its rendered
//     HTML fragment, Version.HTML, byte for byte. A page shows the charter by
//     embedding that fragment unchanged, so hashing what the page embedded
//     gives the stored hash. SourceSHA256 is the hash of the Markdown source:
//     it tells an edited text from a renderer that renders differently.
//   - An event's ConsentSHA256 is the SHA-256 of the consent sentence exactly
//     as shown, in the language shown (the translated catalogue value, not its
//     HTML escaping): ConsentSHA256(text).
//   - An event's Hash is the SHA-256 of its canonical form (Canonical), which
//     ends with the previous event's hash. Chaining the events this way makes
//     any edit, deletion or reordering visible (Verify), and a head noted by
//     anyone (Head) proves later that the history was not rewritten.
//
// # Canonical form of an event (version 1)
//
// The first line is "maillage-charte-evenement/1", then one line per field,
// always all of them and always in this order:
//
//	seq kind at signature_code user_id actor_id email typed_name structure_id
//	version text_sha256 consent_sha256 ip user_agent auth_method auth_level
//	session_id reason prev_hash
//
// each written as NAME ":" LEN ":" VALUE "\n", where LEN is the length of
// VALUE in bytes, in decimal. Integers are decimal without sign or leading
// zero; structure_id is empty when there is none; at is the UTC time with
// microseconds, "2006-01-02T15:04:05.000000Z" (PostgreSQL keeps
// microseconds, so the stored row hashes like the one that was chained).
// The hash field itself is not in the form. Hash = hex(SHA-256(form)).
// The length prefix makes the form unambiguous whatever the values hold, and
// easy to rebuild in any language: in Python,
//
//	f"{name}:{len(value.encode())}:{value}\n"
package charter
