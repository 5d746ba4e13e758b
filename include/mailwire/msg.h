/**
 * \file msg.h
 * \brief RFC 5322 header helpers: unfolding, address lists, date-time,
 *        msg-id lists, RFC 2047 encoded words, RFC 2231 parameters and
 *        the charset conversions they need.
 *
 * Everything here is one-shot over a complete (unfolded or folded) header
 * value: no state survives a call except in the small iterator structs the
 * caller owns. Nothing allocates except through the caller's output
 * buffers (mw_buf) and their allocators.
 *
 * Inputs are passed as pointer and length (never a struct by value), so
 * the functions are easy to bind from other languages. Output views
 * (mw_span) point either into the caller's input or into the caller's
 * output buffer, as each function documents.
 *
 * Decoded text is always valid UTF-8: any byte that is not part of a valid
 * UTF-8 sequence (RFC 3629) is replaced by U+FFFD, one replacement per bad
 * byte (not per maximal subpart), so the count of replacements tells how
 * many bytes were lost.
 *
 * Output buffer contract for the decoding functions: the output is
 * appended as a whole or not at all. On #MW_E_NOSPACE the buffer's length
 * is unchanged and its \c needed field is set to a length that is enough
 * for the built-in charsets (a charset hook that expands more may need
 * another retry). The decoders use the end of the output buffer as
 * scratch space, so they need no memory of their own.
 */
#ifndef MAILWIRE_MSG_H
#define MAILWIRE_MSG_H

#include <stddef.h>
#include <stdint.h>

#include "mailwire/core.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------ */
/* Charset conversion hook                                             */
/* ------------------------------------------------------------------ */

/**
 * \brief Converts bytes in a charset mailwire does not know to UTF-8.
 *
 * \param ud The hook's user pointer (mw_charset_hook::ud).
 * \param charset Charset name as it appeared in the message (not
 *        NUL-terminated, any case, language suffix already removed).
 * \param charset_len Length of \p charset.
 * \param bytes The bytes to convert.
 * \param len Length of \p bytes.
 * \param utf8_out Buffer to append the UTF-8 result to.
 * \return #MW_OK when converted; any other status means "cannot convert"
 *         and the text is kept undecoded. #MW_E_NOSPACE and #MW_E_NOMEM
 *         from \p utf8_out are passed on to the caller. Output that is not
 *         valid UTF-8 is repaired with U+FFFD.
 */
typedef mw_status (*mw_charset_fn)(void *ud, const char *charset,
                                   size_t charset_len, const char *bytes,
                                   size_t len, mw_buf *utf8_out);

/**
 * \brief A caller-installed charset converter. Passed to each call that
 *        decodes text; mailwire keeps no global converter.
 *
 * The built-in charsets (UTF-8, US-ASCII, ISO-8859-1, ISO-8859-15,
 * Windows-1252 and their common aliases) never reach the hook.
 */
typedef struct mw_charset_hook {
    mw_charset_fn fn; /**< Converter, or NULL for none. */
    void *ud;         /**< Passed to \c fn unchanged. */
} mw_charset_hook;

/**
 * \brief Convert \p len bytes in \p charset to UTF-8, appending to \p out.
 *
 * Built-in: UTF-8 ("utf-8", "utf8"), US-ASCII ("us-ascii", "ascii"; bytes
 * above 0x7F become U+FFFD), ISO-8859-1 ("iso-8859-1", "latin1", ...),
 * ISO-8859-15 ("iso-8859-15", "latin-9", ...), Windows-1252 ("windows-1252",
 * "cp1252"; the five bytes Windows leaves undefined map to the C1 control
 * of the same value, as WHATWG does). Other names go to \p hook.
 * \param charset Charset name (any case, not NUL-terminated).
 * \param charset_len Length of \p charset.
 * \param bytes Bytes to convert.
 * \param len Length of \p bytes.
 * \param hook Optional (NULL: built-in charsets only).
 * \param out Receives the UTF-8 text (all or nothing).
 * \return #MW_OK; #MW_E_UNSUPPORTED (unknown charset, no hook or the hook
 *         refused; \p out unchanged); #MW_E_NOSPACE; #MW_E_NOMEM.
 */
MW_API mw_status mw_charset_to_utf8(const char *charset, size_t charset_len,
                                    const char *bytes, size_t len,
                                    const mw_charset_hook *hook, mw_buf *out);

/**
 * \brief Append \p len bytes to \p out as valid UTF-8: every byte that is
 *        not part of a valid sequence becomes U+FFFD.
 * \param bytes Bytes to copy.
 * \param len Length of \p bytes.
 * \param out Receives the repaired copy (all or nothing).
 * \param replaced_out Optional; receives the number of bytes replaced.
 * \return #MW_OK, #MW_E_NOSPACE (\p out unchanged), #MW_E_NOMEM, #MW_E_ARG.
 */
MW_API mw_status mw_utf8_sanitize(const char *bytes, size_t len, mw_buf *out,
                                  size_t *replaced_out);

/* ------------------------------------------------------------------ */
/* Header unfolding                                                    */
/* ------------------------------------------------------------------ */

/** \brief mw_header_unfold() flag: also trim SP, HTAB, CR and LF at both
 *         ends of the value. */
#define MW_UNFOLD_TRIM 0x1u

/**
 * \brief Unfold a header value: remove every CRLF (or bare LF, or bare CR)
 *        that is followed by SP or HTAB, keeping the whitespace itself.
 *
 * A line break not followed by whitespace is not folding and is kept.
 * \param raw The value as it appeared after the colon.
 * \param len Length of \p raw.
 * \param flags 0 or #MW_UNFOLD_TRIM.
 * \param out Receives the unfolded value (appended, all or nothing).
 * \return #MW_OK, #MW_E_NOSPACE, #MW_E_NOMEM, #MW_E_ARG.
 */
MW_API mw_status mw_header_unfold(const char *raw, size_t len, uint32_t flags,
                                  mw_buf *out);

/**
 * \brief Trim SP, HTAB, CR and LF from both ends without copying.
 * \param raw Header value (may be NULL when \p len is 0).
 * \param len Length of \p raw.
 * \param value_out View into \p raw (valid as long as \p raw is).
 */
MW_API void mw_header_trim(const char *raw, size_t len, mw_span *value_out);

/* ------------------------------------------------------------------ */
/* RFC 2047 encoded words                                              */
/* ------------------------------------------------------------------ */

/** \brief Decode result flag: at least one encoded word was decoded. */
#define MW_2047_DECODED 0x1u
/** \brief Decode result flag: an encoded word was left as it was (unknown
 *         charset without a hook, hook failure, bad encoding letter). */
#define MW_2047_UNDECODED 0x2u
/** \brief Decode result flag: bytes were replaced by U+FFFD. */
#define MW_2047_REPLACED 0x4u
/** \brief Decode result flag: an RFC 2231 language suffix was ignored. */
#define MW_2047_LANGUAGE 0x8u
/** \brief Decode result flag: the base64 or Q text of a word was damaged
 *         (decoded anyway, as mail readers do). */
#define MW_2047_DAMAGED 0x10u

/**
 * \brief Decode the encoded words of an unstructured header value (e.g.
 *        Subject) to UTF-8, appending to \p out.
 *
 * An encoded word `=?charset[*lang]?B|Q?text?=` is recognised where a word
 * starts: at the start of the value or after whitespace (RFC 2047 asks for
 * whitespace after it too; mail readers don't, so neither does this).
 * Whitespace between two encoded words that both decode is removed (RFC
 * 2047 section 6.2). An encoded word that cannot be decoded is copied
 * as it was and #MW_2047_UNDECODED is set: text is never dropped. Bytes of
 * the value outside encoded words are copied, with invalid UTF-8 repaired.
 * The value should be unfolded first; line breaks are copied as they are.
 * \param text Value to decode.
 * \param len Length of \p text.
 * \param hook Optional converter for charsets that are not built in.
 * \param out Receives the decoded text (all or nothing).
 * \param flags_out Optional; receives MW_2047_* result flags.
 * \return #MW_OK, #MW_E_NOSPACE, #MW_E_NOMEM, #MW_E_ARG.
 */
MW_API mw_status mw_rfc2047_decode(const char *text, size_t len,
                                   const mw_charset_hook *hook, mw_buf *out,
                                   uint32_t *flags_out);

/** \brief Encode flag: the words stand in a phrase (display name), where
 *         Q may carry only letters, digits and `!*+-/` (RFC 2047 5(3)).
 *         Without it the rules for unstructured text (5(1)) apply. */
#define MW_2047_PHRASE 0x1u
/** \brief Encode flag: separate the words with a single SP instead of
 *         folding with CRLF SP. */
#define MW_2047_NO_FOLD 0x2u
/** \brief Longest encoded word written, in characters (RFC 2047 2). */
#define MW_2047_WORD_MAX 75

/**
 * \brief Encode UTF-8 text as a sequence of `=?UTF-8?Q?...?=` or
 *        `=?UTF-8?B?...?=` words, appending to \p out.
 *
 * The whole text (spaces included) is encoded, so decoding the output
 * gives back exactly \p utf8_text. Q or B is chosen by which is shorter.
 * Each word is at most #MW_2047_WORD_MAX characters and holds whole UTF-8
 * characters only. Words are separated by CRLF SP (folding) so lines stay
 * within 78 characters, or by SP with #MW_2047_NO_FOLD. When fewer than 26
 * columns are left on the first line and \p first_line_used is not 0, the
 * output starts with CRLF SP.
 * \param utf8_text Text to encode; must be valid UTF-8.
 * \param len Length of \p utf8_text (0 writes nothing).
 * \param flags #MW_2047_PHRASE, #MW_2047_NO_FOLD.
 * \param first_line_used Columns already used on the current line
 *        (e.g. 9 after "Subject: ").
 * \param out Receives the words (all or nothing).
 * \return #MW_OK, #MW_E_ENCODING (invalid UTF-8), #MW_E_CRLF (CR, LF or
 *         NUL in the text), #MW_E_NOSPACE, #MW_E_NOMEM, #MW_E_ARG.
 */
MW_API mw_status mw_rfc2047_encode(const char *utf8_text, size_t len,
                                   uint32_t flags, size_t first_line_used,
                                   mw_buf *out);

/* ------------------------------------------------------------------ */
/* Address lists                                                       */
/* ------------------------------------------------------------------ */

/** \brief Address flag: the address belongs to a group (see group). */
#define MW_ADDR_IN_GROUP 0x1u
/** \brief Address flag: this entry stands for a group without members
 *         (`Undisclosed recipients:;`); its addr_spec is empty. */
#define MW_ADDR_EMPTY_GROUP 0x2u
/** \brief Address flag: there was no `@domain` (a bare local part). */
#define MW_ADDR_NO_DOMAIN 0x4u
/** \brief Address flag: an obsolete source route was ignored. */
#define MW_ADDR_ROUTE 0x8u
/** \brief Address flag: the angle address had no closing '>'. */
#define MW_ADDR_UNCLOSED 0x10u
/** \brief Address flag: bytes that fit no grammar rule were skipped. */
#define MW_ADDR_JUNK 0x20u
/** \brief Address flag: the display name held encoded words that were
 *         decoded. */
#define MW_ADDR_ENCODED_NAME 0x40u
/** \brief Address flag: an encoded word in the display name was left
 *         undecoded. */
#define MW_ADDR_UNDECODED_NAME 0x80u
/** \brief Address flag: the display name had unquoted specials such as
 *         '.' or '@' (obsolete phrase, RFC 5322 4.1). */
#define MW_ADDR_OBS_PHRASE 0x100u
/** \brief Address flag: an encoded word inside a quoted string was
 *         decoded (RFC 2047 forbids it; mail readers do it). */
#define MW_ADDR_QUOTED_ENCODED 0x200u
/** \brief Address flag: the display name had invalid UTF-8, replaced by
 *         U+FFFD. */
#define MW_ADDR_REPLACED 0x400u
/** \brief Address flag: non-ASCII bytes in the addr-spec (RFC 6532). */
#define MW_ADDR_UTF8 0x800u
/** \brief Address flag: the domain is a domain literal (`[1.2.3.4]`). */
#define MW_ADDR_DOMAIN_LITERAL 0x1000u
/** \brief Address flag: the group had no terminating ';'. */
#define MW_ADDR_UNCLOSED_GROUP 0x2000u
/** \brief Address flag: a quoted string, comment or domain literal ran
 *         to the end of the value unclosed. */
#define MW_ADDR_UNTERMINATED 0x4000u

/** \brief Default bound of comment nesting in an address list. */
#define MW_ADDR_COMMENT_DEPTH_DEFAULT 32u

/**
 * \brief Options of mw_addr_list_parse(). A NULL config means defaults.
 */
typedef struct mw_addr_config {
    /** Converter for encoded-word charsets that are not built in. */
    const mw_charset_hook *charset_hook;
    /** Deepest comment nesting accepted; 0 means
     *  #MW_ADDR_COMMENT_DEPTH_DEFAULT. Deeper input is #MW_E_LIMIT. */
    uint32_t comment_depth_max;
    /** Reserved, set to 0. */
    uint32_t flags;
} mw_addr_config;

/**
 * \brief One mailbox of an address list (groups are flattened).
 *
 * The spans point into the storage buffer given to mw_addr_list_parse()
 * and stay valid until that buffer is next modified or freed.
 */
typedef struct mw_address {
    /** Display name, decoded to UTF-8 (comments removed, quoted strings
     *  unquoted, encoded words decoded, whitespace runs between words
     *  collapsed to one space). Empty when there is none. */
    mw_span display_name;
    /** `local@domain` in RFC 5322 canonical form: comments and folding
     *  whitespace removed, the local part quoted only when it is not a
     *  dot-atom. Just the local part with #MW_ADDR_NO_DOMAIN; empty with
     *  #MW_ADDR_EMPTY_GROUP. Bytes outside ASCII are kept as they came. */
    mw_span addr_spec;
    /** Name of the enclosing group, decoded like display_name; empty when
     *  not in a group. */
    mw_span group;
    /** 1-based number of the enclosing group within the list (telling
     *  apart two groups of the same name), 0 when not in a group. */
    uint32_t group_index;
    /** MW_ADDR_* flags. */
    uint32_t flags;
} mw_address;

/**
 * \brief Parse an address list (From, To, Cc, Reply-To, ...).
 *
 * RFC 5322 3.4 with the obsolete forms of 4.4 and RFC 6532 UTF-8, and the
 * tolerance of mail readers: unquoted specials in display names, missing
 * '>', empty elements and stray commas, bare local parts, obsolete routes,
 * unclosed groups. Elements that hold no address at all are skipped. Group
 * nesting is not part of the grammar and is not followed: a ':' inside a
 * group is junk, so any number of colons costs linear time and no stack.
 * \param value The header value (folded or not).
 * \param len Length of \p value.
 * \param cfg Options, or NULL for defaults.
 * \param storage Buffer the decoded strings are appended to. On failure
 *        its length is restored.
 * \param out Array receiving the addresses; may be NULL when \p cap is 0.
 * \param cap Number of entries \p out holds.
 * \param count_out Receives the number of addresses in the list (also when
 *        that is more than \p cap).
 * \return #MW_OK; #MW_E_NOSPACE when the list has more than \p cap
 *         addresses (\p storage unchanged, \p count_out set) or \p storage
 *         is full; #MW_E_LIMIT (comment nesting deeper than the bound);
 *         #MW_E_NOMEM; #MW_E_ARG.
 */
MW_API mw_status mw_addr_list_parse(const char *value, size_t len,
                                    const mw_addr_config *cfg, mw_buf *storage,
                                    mw_address *out, size_t cap,
                                    size_t *count_out);

/** \brief mw_addr_format() flag: raw UTF-8 may be written (SMTPUTF8, RFC
 *         6532) instead of RFC 2047 encoded words. */
#define MW_ADDR_FMT_UTF8 0x1u
/** \brief mw_addr_format() flag: accept an addr-spec without `@domain`. */
#define MW_ADDR_FMT_NO_DOMAIN 0x2u

/**
 * \brief Write one mailbox: `addr-spec`, or `display-name <addr-spec>`.
 *
 * The display name is written as atoms when it is plain words, as a quoted
 * string when it has specials or odd spacing, and as RFC 2047 encoded
 * words (no folding) when it has non-ASCII text (unless #MW_ADDR_FMT_UTF8),
 * control characters, or something that would read as an encoded word.
 * The addr-spec must already be canonical (as mw_addr_list_parse() gives
 * it): dot-atom or quoted-string local part, `@`, dot-atom or domain
 * literal.
 * \param display_name UTF-8 name; may be NULL when \p display_len is 0.
 * \param display_len Length of \p display_name (0: no display name).
 * \param addr_spec The address.
 * \param addr_len Length of \p addr_spec.
 * \param flags #MW_ADDR_FMT_UTF8, #MW_ADDR_FMT_NO_DOMAIN.
 * \param out Receives the mailbox (all or nothing).
 * \return #MW_OK; #MW_E_CRLF when either input holds CR, LF or NUL
 *         (header injection); #MW_E_SYNTAX (addr-spec not valid);
 *         #MW_E_ENCODING (invalid UTF-8, or non-ASCII addr-spec without
 *         #MW_ADDR_FMT_UTF8); #MW_E_NOSPACE; #MW_E_NOMEM; #MW_E_ARG.
 */
MW_API mw_status mw_addr_format(const char *display_name, size_t display_len,
                                const char *addr_spec, size_t addr_len,
                                uint32_t flags, mw_buf *out);

/* ------------------------------------------------------------------ */
/* Date-time                                                           */
/* ------------------------------------------------------------------ */

/** \brief Date flag: no day-of-week was given (weekday is 0xFF). */
#define MW_DT_NO_WEEKDAY 0x1u
/** \brief Date flag: no seconds were given (second is 0). */
#define MW_DT_NO_SECONDS 0x2u
/** \brief Date flag: the zone is unknown: `-0000`, a military or unknown
 *         zone name, or no zone at all (zone_minutes is 0). */
#define MW_DT_ZONE_UNKNOWN 0x4u
/** \brief Date flag: a two- or three-digit year was widened (RFC 5322
 *         4.3). */
#define MW_DT_OBS_YEAR 0x8u
/** \brief Date flag: a named zone (UT, GMT, EST, ..., PDT) was used. */
#define MW_DT_OBS_ZONE 0x10u
/** \brief Date flag: a military single-letter zone was read as -0000
 *         (RFC 5322 4.3: they were defined with the wrong sign). */
#define MW_DT_MILITARY_ZONE 0x20u
/** \brief Date flag: the day-of-week does not match the date. */
#define MW_DT_WEEKDAY_MISMATCH 0x40u
/** \brief Date flag: the zone was missing entirely. */
#define MW_DT_NO_ZONE 0x80u
/** \brief Date flag: text after the date was ignored, or the form was
 *         otherwise irregular (`+09:00` zone, a dot for a colon). */
#define MW_DT_IRREGULAR 0x100u
/** \brief Weekday value when no day-of-week is known. */
#define MW_DT_WEEKDAY_NONE 0xFFu

/**
 * \brief A broken-down date-time with its zone offset.
 */
typedef struct mw_datetime {
    int32_t year;         /**< Full year, e.g. 2023. */
    uint8_t month;        /**< 1..12. */
    uint8_t day;          /**< 1..31. */
    uint8_t hour;         /**< 0..23. */
    uint8_t minute;       /**< 0..59. */
    uint8_t second;       /**< 0..60 (60: leap second). */
    uint8_t weekday;      /**< 0 = Sunday .. 6, or #MW_DT_WEEKDAY_NONE. */
    int16_t zone_minutes; /**< Offset east of UTC in minutes. */
    uint32_t flags;       /**< MW_DT_* flags. */
} mw_datetime;

/**
 * \brief Parse an RFC 5322 date-time (Date, Resent-Date, Received's tail),
 *        including the obsolete forms of RFC 5322 4.3.
 *
 * Accepted: optional day name (three letters or full, any case) and comma;
 * day; month name (three letters or full, any case); 4-digit years, 2-digit
 * years (00-49 are 2000-2049, 50-99 are 1950-1999) and 3-digit years
 * (+1900); time with or without seconds; numeric zones (`+0900`, also
 * `+09:00`), UT, GMT, UTC, EST/EDT, CST/CDT, MST/MDT, PST/PDT; military
 * letters, unknown names and one- or two-digit numeric zones (`+09`,
 * ambiguous; #MW_DT_IRREGULAR) as -0000; no zone at all as -0000; comments
 * and extra whitespace anywhere between tokens; trailing text after the
 * zone is ignored (#MW_DT_IRREGULAR). Ranges are checked: day against the
 * month (leap years included), hour 0-23, minute 0-59, second 0-60, zone
 * minutes 0-59.
 * \param value The header value.
 * \param len Length of \p value.
 * \param dt_out Receives the date on success.
 * \return #MW_OK or #MW_E_SYNTAX (out of range values included), #MW_E_ARG.
 */
MW_API mw_status mw_datetime_parse(const char *value, size_t len,
                                   mw_datetime *dt_out);

/**
 * \brief Write "Sun, 09 Apr 2023 10:00:00 +0900" (RFC 5322 3.3).
 *
 * The day name is written only when weekday is 0..6. An unknown zone
 * (#MW_DT_ZONE_UNKNOWN with offset 0) is written as `-0000`.
 * \param dt The date.
 * \param out Receives the text (all or nothing).
 * \return #MW_OK, #MW_E_ARG (a field out of range or year not 0..9999),
 *         #MW_E_NOSPACE, #MW_E_NOMEM.
 */
MW_API mw_status mw_datetime_format_rfc5322(const mw_datetime *dt, mw_buf *out);

/**
 * \brief Write "2023-04-09T10:00:00+09:00" (ISO 8601 / RFC 3339 form with
 *        the date's own offset; -0000 is written +00:00).
 * \param dt The date.
 * \param out Receives the text (all or nothing).
 * \return As mw_datetime_format_rfc5322().
 */
MW_API mw_status mw_datetime_format_iso8601(const mw_datetime *dt, mw_buf *out);

/**
 * \brief Seconds since 1970-01-01T00:00:00Z of \p dt (proleptic Gregorian,
 *        no leap seconds: second 60 counts as the next minute's 0).
 * \param dt The date.
 * \param t_out Receives the seconds.
 * \return #MW_OK, #MW_E_ARG (field out of range).
 */
MW_API mw_status mw_datetime_to_unix(const mw_datetime *dt, int64_t *t_out);

/**
 * \brief Broken-down time of \p t seen from the zone \p zone_minutes east
 *        of UTC. The weekday is filled in; flags are 0.
 * \param t Seconds since the epoch.
 * \param zone_minutes Offset east of UTC to express the time in.
 * \param dt_out Receives the date.
 * \return #MW_OK, #MW_E_ARG (zone beyond +-99:59, or the year would leave
 *         0..9999).
 */
MW_API mw_status mw_datetime_from_unix(int64_t t, int16_t zone_minutes,
                                       mw_datetime *dt_out);

/* ------------------------------------------------------------------ */
/* msg-id lists                                                        */
/* ------------------------------------------------------------------ */

/** \brief msg-id flag: the id had no angle brackets. */
#define MW_MSGID_NO_ANGLE 0x1u
/** \brief msg-id flag: the id has no '@'. */
#define MW_MSGID_NO_AT 0x2u
/** \brief msg-id flag: the closing '>' was missing. */
#define MW_MSGID_UNCLOSED 0x4u
/** \brief msg-id flag: words that are no msg-id were skipped before this
 *         one (In-Reply-To phrases, RFC 5322 4.5.4). */
#define MW_MSGID_JUNK_BEFORE 0x8u
/** \brief msg-id flag: whitespace or comments inside the brackets
 *         (obsolete form); the span covers them. */
#define MW_MSGID_INNER_SPACE 0x10u

/** \brief Iterator over the msg-ids of a header value (private fields). */
typedef struct mw_msgid_iter {
    const char *s; /**< Value being read (private). */
    size_t len;    /**< Its length (private). */
    size_t pos;    /**< Read position (private). */
} mw_msgid_iter;

/**
 * \brief Start iterating the msg-ids of \p value, which must outlive the
 *        iterator.
 * \param it Iterator to initialise.
 * \param value Header value (Message-ID, In-Reply-To, References).
 * \param len Length of \p value.
 */
MW_API void mw_msgid_iter_init(mw_msgid_iter *it, const char *value,
                               size_t len);

/**
 * \brief Next msg-id of the list.
 *
 * Comments, quoted strings and whitespace between ids are skipped. Words
 * without brackets are taken as ids when they contain '@' (flag
 * #MW_MSGID_NO_ANGLE), otherwise skipped as phrase junk.
 * \param it Iterator from mw_msgid_iter_init().
 * \param id_out View of the id without its angle brackets, into the
 *        value passed to mw_msgid_iter_init().
 * \param flags_out Optional; receives MW_MSGID_* flags of this id.
 * \return #MW_OK with an id, #MW_DONE when there are no more, #MW_E_ARG.
 */
MW_API mw_status mw_msgid_next(mw_msgid_iter *it, mw_span *id_out,
                               uint32_t *flags_out);

/**
 * \brief Write `<id>` after checking that \p id is `id-left@id-right`
 *        (dot-atom-text `@` dot-atom-text or `[dtext]`, RFC 5322 3.6.4).
 * \param id The id without brackets.
 * \param len Length of \p id.
 * \param out Receives `<id>` (all or nothing).
 * \return #MW_OK; #MW_E_CRLF (CR, LF or NUL); #MW_E_SYNTAX; #MW_E_NOSPACE;
 *         #MW_E_NOMEM; #MW_E_ARG.
 */
MW_API mw_status mw_msgid_format(const char *id, size_t len, mw_buf *out);

/* ------------------------------------------------------------------ */
/* MIME parameters (RFC 2045, RFC 2231)                                */
/* ------------------------------------------------------------------ */

/**
 * \brief Split a Content-Type value into its type and subtype.
 * \param value Header value, e.g. `text/plain; charset=utf-8`.
 * \param len Length of \p value.
 * \param type_out View of the type (into \p value, case kept).
 * \param subtype_out View of the subtype (into \p value, case kept).
 * \return #MW_OK, #MW_E_SYNTAX (no `type/subtype` token pair), #MW_E_ARG.
 */
MW_API mw_status mw_content_type_parse(const char *value, size_t len,
                                       mw_span *type_out, mw_span *subtype_out);

/** \brief Parameter flag: the value was a quoted string; its raw view
 *         may hold backslash escapes (see mw_param_unquote()). */
#define MW_PARAM_QUOTED 0x1u
/** \brief Parameter flag: the parameter had no '=' (empty value). */
#define MW_PARAM_NO_VALUE 0x2u
/** \brief Parameter flag: a quoted value had no closing quote. */
#define MW_PARAM_UNCLOSED 0x4u
/** \brief Parameter flag: text after the value was ignored, or a token
 *         value held characters a token may not. */
#define MW_PARAM_JUNK 0x8u
/** \brief Parameter flag (mw_mime_param_get()): RFC 2231 value. */
#define MW_PARAM_RFC2231 0x10u
/** \brief Parameter flag (mw_mime_param_get()): RFC 2047 encoded words in
 *         a plain value were decoded (Outlook's non-standard form). */
#define MW_PARAM_RFC2047 0x20u
/** \brief Parameter flag (mw_mime_param_get()): the charset could not be
 *         converted; bytes are shown with U+FFFD for non-UTF-8. */
#define MW_PARAM_UNDECODED 0x40u
/** \brief Parameter flag (mw_mime_param_get()): continuation sections
 *         were missing or beyond #MW_PARAM_SECTIONS_MAX (value cut). */
#define MW_PARAM_GAP 0x80u
/** \brief Parameter flag (mw_mime_param_get()): invalid UTF-8 or bad
 *         percent escapes were repaired. */
#define MW_PARAM_REPAIRED 0x100u

/** \brief Most RFC 2231 continuation sections joined (`name*0` ..). */
#define MW_PARAM_SECTIONS_MAX 128u

/** \brief Iterator over the `;name=value` parameters of a MIME header
 *         value (private fields). */
typedef struct mw_param_iter {
    const char *s; /**< Value being read (private). */
    size_t len;    /**< Its length (private). */
    size_t pos;    /**< Read position (private). */
} mw_param_iter;

/**
 * \brief Start iterating the parameters of \p value; the leading
 *        `type/subtype` or disposition is skipped. \p value must outlive
 *        the iterator.
 * \param it Iterator to initialise.
 * \param value Content-Type or Content-Disposition value.
 * \param len Length of \p value.
 */
MW_API void mw_param_iter_init(mw_param_iter *it, const char *value,
                               size_t len);

/**
 * \brief Next parameter.
 *
 * Comments and whitespace around names, '=' and values are skipped. A
 * token value runs to the next ';' (whitespace inside is kept and flagged,
 * as broken mailers write unquoted file names with spaces) but stops at
 * a comment, and at whitespace followed by another `name=` (a missing
 * ';' is tolerated).
 * \param it Iterator from mw_param_iter_init().
 * \param name_out View of the name as written (e.g. `filename*0*`).
 * \param value_out View of the value, quotes removed but escapes not
 *        processed (see #MW_PARAM_QUOTED).
 * \param flags_out Optional; MW_PARAM_* flags.
 * \return #MW_OK, #MW_DONE at the end, #MW_E_ARG.
 */
MW_API mw_status mw_param_next(mw_param_iter *it, mw_span *name_out,
                               mw_span *value_out, uint32_t *flags_out);

/**
 * \brief Append the content of a quoted string with its backslash escapes
 *        removed.
 * \param raw Content between the quotes (as mw_param_next() gives it).
 * \param len Length of \p raw.
 * \param out Receives the unescaped text (all or nothing).
 * \return #MW_OK, #MW_E_NOSPACE, #MW_E_NOMEM, #MW_E_ARG.
 */
MW_API mw_status mw_param_unquote(const char *raw, size_t len, mw_buf *out);

/**
 * \brief Get one parameter of a Content-Type or Content-Disposition value,
 *        decoded to UTF-8.
 *
 * RFC 2231 forms win over a plain `name=` when both are present: `name*`
 * (charset'language'percent-encoded), and continuations `name*0`,
 * `name*1*`, ... in any order, up to #MW_PARAM_SECTIONS_MAX, joined until
 * the first missing section. A plain value is unquoted; if it holds RFC
 * 2047 encoded words they are decoded (#MW_PARAM_RFC2047), as Outlook
 * writes `filename="=?utf-8?B?...?="`. The name is matched ignoring case;
 * the first matching parameter wins.
 * \param value Header value.
 * \param len Length of \p value.
 * \param name NUL-terminated parameter name without `*` suffixes.
 * \param hook Optional converter for charsets that are not built in.
 * \param out Receives the decoded value (all or nothing).
 * \param flags_out Optional; receives MW_PARAM_* flags.
 * \return #MW_OK when found; #MW_DONE when the parameter is absent
 *         (\p out unchanged); #MW_E_NOSPACE; #MW_E_NOMEM; #MW_E_ARG.
 */
MW_API mw_status mw_mime_param_get(const char *value, size_t len,
                                   const char *name,
                                   const mw_charset_hook *hook, mw_buf *out,
                                   uint32_t *flags_out);

#ifdef __cplusplus
}
#endif

#endif /* MAILWIRE_MSG_H */
