/**
 * \file pop3.h
 * \brief POP3 (RFC 1939) codec, client session and server session, sans-IO.
 *
 * Extensions: CAPA, RESP-CODES, PIPELINING and the other RFC 2449
 * capabilities, AUTH (RFC 5034, SASL through sasl.h, initial responses and
 * the "*" cancel), STLS (RFC 2595), the [AUTH] and [SYS/...] response codes
 * (RFC 3206) and UTF8 (RFC 6856).
 *
 * Three layers:
 *  - the codec: command lines (parse and write), status lines (parse and
 *    write), capability, scan-listing and unique-id lines, the greeting's
 *    APOP timestamp, and #mw_pop3_reader, an incremental reader of whole
 *    responses (single-line, multi-line as lines, multi-line as dot-unstuffed
 *    data chunks in constant memory, SASL continuations);
 *  - #mw_pop3_client, the client session;
 *  - #mw_pop3_server, the server session: the application supplies the
 *    credential check, the maildrop and message contents through events and
 *    answer calls.
 *
 * Both sessions follow the session I/O contract of core.h.
 */
#ifndef MAILWIRE_POP3_H
#define MAILWIRE_POP3_H

#include <stddef.h>
#include <stdint.h>

#include "mailwire/core.h"
#include "mailwire/sasl.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------ */
/* Limits and parse errors                                             */
/* ------------------------------------------------------------------ */

/** \brief Longest command line, CRLF included (RFC 2449 section 4). */
#define MW_POP3_CMD_LINE_MAX 255u
/** \brief Longest command argument (RFC 2449 section 4). */
#define MW_POP3_ARG_MAX 40u
/** \brief Longest response line, CRLF included (RFC 2449 section 4). */
#define MW_POP3_RESP_LINE_MAX 512u

/** \brief Parse error reason: none. */
#define MW_POP3_ERR_NONE 0u
/** \brief Parse error reason: the line is longer than its limit. */
#define MW_POP3_ERR_LINE_TOO_LONG 1u
/** \brief Parse error reason: an argument is longer than its limit. */
#define MW_POP3_ERR_ARG_TOO_LONG 2u
/** \brief Parse error reason: empty line. */
#define MW_POP3_ERR_EMPTY 3u
/** \brief Parse error reason: the keyword is not 3 or 4 letters or
 *         digits. */
#define MW_POP3_ERR_BAD_KEYWORD 4u
/** \brief Parse error reason: a required argument is missing. */
#define MW_POP3_ERR_MISSING_ARG 5u
/** \brief Parse error reason: more arguments than the command takes. */
#define MW_POP3_ERR_EXTRA_ARG 6u
/** \brief Parse error reason: not a decimal number (or over 2^32-1). */
#define MW_POP3_ERR_BAD_NUMBER 7u
/** \brief Parse error reason: a control character (CR, LF, NUL...). */
#define MW_POP3_ERR_CTL 8u
/** \brief Parse error reason: two spaces, or a space where none belongs. */
#define MW_POP3_ERR_BAD_SPACE 9u
/** \brief Parse error reason: not "+OK", "-ERR" or a "+ " continuation. */
#define MW_POP3_ERR_BAD_STATUS 10u
/** \brief Parse error reason: a multi-line response's line is malformed. */
#define MW_POP3_ERR_BAD_LINE 11u
/** \brief Parse error reason: a continuation where none is allowed. */
#define MW_POP3_ERR_UNEXPECTED_CONT 12u

/** \brief Where and why a parse failed. */
typedef struct mw_pop3_parse_error {
    uint32_t reason; /**< MW_POP3_ERR_*. */
    uint32_t offset; /**< Byte offset in the line where it was found. */
} mw_pop3_parse_error;

/**
 * \brief Text of a parse error reason, e.g. "argument too long".
 * \return A static string; "unknown" for unknown values.
 */
MW_API const char *mw_pop3_error_text(uint32_t reason);

/* ------------------------------------------------------------------ */
/* Commands                                                            */
/* ------------------------------------------------------------------ */

/** \brief POP3 command keywords. Values are stable ABI. */
typedef enum mw_pop3_verb {
    MW_POP3_UNKNOWN = 0, /**< A well-formed keyword mailwire does not know. */
    MW_POP3_USER = 1,    /**< USER name. */
    MW_POP3_PASS = 2,    /**< PASS string (the rest of the line). */
    MW_POP3_APOP = 3,    /**< APOP name digest. */
    MW_POP3_AUTH = 4,    /**< AUTH mechanism [initial-response]. */
    MW_POP3_STAT = 5,    /**< STAT. */
    MW_POP3_LIST = 6,    /**< LIST [msg]. */
    MW_POP3_RETR = 7,    /**< RETR msg. */
    MW_POP3_DELE = 8,    /**< DELE msg. */
    MW_POP3_NOOP = 9,    /**< NOOP. */
    MW_POP3_RSET = 10,   /**< RSET. */
    MW_POP3_QUIT = 11,   /**< QUIT. */
    MW_POP3_TOP = 12,    /**< TOP msg n. */
    MW_POP3_UIDL = 13,   /**< UIDL [msg]. */
    MW_POP3_CAPA = 14,   /**< CAPA. */
    MW_POP3_STLS = 15,   /**< STLS. */
    MW_POP3_UTF8 = 16    /**< UTF8. */
} mw_pop3_verb;

/** \brief Command flag: \c msg is present (LIST n, UIDL n; always set for
 *         RETR, DELE and TOP). */
#define MW_POP3_CMD_HAS_MSG 0x1u
/** \brief Command flag: AUTH carries an initial response in \c arg2. */
#define MW_POP3_CMD_HAS_IR 0x2u

/**
 * \brief One command. Zero it, then fill the fields the verb uses.
 *
 * | verb  | arg               | arg2                | msg, lines        |
 * |-------|-------------------|---------------------|-------------------|
 * | USER  | name              |                     |                   |
 * | PASS  | password          |                     |                   |
 * | APOP  | name              | digest (32 hex)     |                   |
 * | AUTH  | mechanism         | initial response (base64, "=" empty) | |
 * | LIST, UIDL | |                              | msg if HAS_MSG    |
 * | RETR, DELE | |                              | msg               |
 * | TOP   |                   |                     | msg, lines        |
 * | UNKNOWN | the keyword     | the rest of the line |                  |
 */
typedef struct mw_pop3_command {
    uint32_t verb;  /**< #mw_pop3_verb. */
    uint32_t flags; /**< MW_POP3_CMD_HAS_*. */
    uint32_t msg;   /**< Message number. */
    uint32_t lines; /**< TOP: number of body lines. */
    mw_span arg;    /**< First argument (see the table). */
    mw_span arg2;   /**< Second argument (see the table). */
} mw_pop3_command;

/** \brief Codec settings. Start from all zeroes; 0 means the default. */
typedef struct mw_pop3_codec_config {
    uint32_t size;     /**< sizeof(mw_pop3_codec_config). */
    uint32_t line_max; /**< Longest command line with CRLF; default
                            #MW_POP3_CMD_LINE_MAX. */
    uint32_t arg_max;  /**< Longest argument; default #MW_POP3_ARG_MAX.
                            Not applied to PASS (a password is the rest of
                            the line, RFC 1939 section 7) nor to an AUTH
                            initial response (RFC 5034 section 4). */
    uint32_t reserved; /**< Must be 0. */
} mw_pop3_codec_config;

/**
 * \brief Parse one command line.
 *
 * Keywords are case-insensitive; arguments are separated by exactly one
 * space. An unknown keyword of 3 or 4 letters is #MW_POP3_UNKNOWN, not an
 * error (the server answers it with -ERR).
 * \param line The line without its CRLF; NULL only when \p len is 0.
 * \param len Its length.
 * \param cfg Limits, or NULL for the RFC 2449 ones.
 * \param out Receives the command; its spans point into \p line.
 * \param err Optional; receives the reason and offset on error.
 * \return #MW_OK; #MW_E_SYNTAX; #MW_E_LIMIT (line or argument too long);
 *         #MW_E_ARG (NULL \p out, or NULL \p line with \p len > 0).
 */
MW_API mw_status mw_pop3_command_parse(const char *line, size_t len,
                                       const mw_pop3_codec_config *cfg,
                                       mw_pop3_command *out,
                                       mw_pop3_parse_error *err);

/**
 * \brief Append a command line with its CRLF to \p out, all or nothing.
 *
 * The line parses back, with the same \p cfg, to an equal command.
 * \param cmd The command (not #MW_POP3_UNKNOWN).
 * \param cfg Limits, or NULL.
 * \param out Output buffer.
 * \return #MW_OK; #MW_E_CRLF when an argument contains CR, LF or NUL;
 *         #MW_E_ARG (unknown verb, missing or empty argument, a space in
 *         an argument other than PASS, a password starting with a space);
 *         #MW_E_LIMIT (argument or line over the limits); #MW_E_NOSPACE,
 *         #MW_E_NOMEM from \p out.
 */
MW_API mw_status mw_pop3_command_write(const mw_pop3_command *cmd,
                                       const mw_pop3_codec_config *cfg,
                                       mw_buf *out);

/**
 * \brief Whether two commands are the same (verb, flags, the fields the
 *        verb uses; the UNKNOWN keyword compared case-insensitively).
 * \return 1 when equal, 0 otherwise.
 */
MW_API int mw_pop3_command_equal(const mw_pop3_command *a,
                                 const mw_pop3_command *b);

/**
 * \brief Keyword of a verb in upper case ("RETR"); "" for unknown values.
 * \return A static string.
 */
MW_API const char *mw_pop3_verb_name(uint32_t verb);

/* ------------------------------------------------------------------ */
/* Responses                                                           */
/* ------------------------------------------------------------------ */

/** \brief Response kind: "-ERR". */
#define MW_POP3_ERR 0u
/** \brief Response kind: "+OK". */
#define MW_POP3_OK 1u
/** \brief Response kind: "+ " SASL continuation (RFC 5034). */
#define MW_POP3_CONT 2u

/** \brief Extended response code: none. */
#define MW_POP3_CODE_NONE 0u
/** \brief [IN-USE] (RFC 2449): the maildrop is locked by another session. */
#define MW_POP3_CODE_IN_USE 1u
/** \brief [LOGIN-DELAY] (RFC 2449): logged in too recently. */
#define MW_POP3_CODE_LOGIN_DELAY 2u
/** \brief [SYS/TEMP] (RFC 3206): temporary system failure. */
#define MW_POP3_CODE_SYS_TEMP 3u
/** \brief [SYS/PERM] (RFC 3206): permanent system failure. */
#define MW_POP3_CODE_SYS_PERM 4u
/** \brief [AUTH] (RFC 3206): wrong credentials. */
#define MW_POP3_CODE_AUTH 5u
/** \brief [UTF8] (RFC 6856): the maildrop needs UTF8 mode. */
#define MW_POP3_CODE_UTF8 6u
/** \brief A code mailwire does not know (see \c code_text). */
#define MW_POP3_CODE_OTHER 255u

/** \brief One status line. */
typedef struct mw_pop3_response {
    uint32_t kind;     /**< #MW_POP3_OK, #MW_POP3_ERR or #MW_POP3_CONT. */
    uint32_t code;     /**< MW_POP3_CODE_* of the bracketed code. */
    mw_span code_text; /**< Inside the brackets, e.g. "SYS/TEMP"; empty
                            when there is no code. */
    mw_span text;      /**< Text after the status and code (for
                            #MW_POP3_CONT the base64 challenge). */
} mw_pop3_response;

/**
 * \brief Parse one status line ("+OK ...", "-ERR ...", "+ ...").
 *
 * A leading "[code]" in the text is an extended response code (RFC 2449
 * section 8) when it is well formed; otherwise it is part of the text.
 * \param line The line without its CRLF.
 * \param len Its length.
 * \param out Receives the response; spans point into \p line.
 * \param err Optional; receives the reason and offset on error.
 * \return #MW_OK; #MW_E_SYNTAX (not a status line, or a control
 *         character in it); #MW_E_ARG.
 */
MW_API mw_status mw_pop3_response_parse(const char *line, size_t len,
                                        mw_pop3_response *out,
                                        mw_pop3_parse_error *err);

/**
 * \brief Append a status line with its CRLF, all or nothing.
 * \param kind #MW_POP3_OK, #MW_POP3_ERR or #MW_POP3_CONT.
 * \param code_text The code without brackets, or NULL / empty for none
 *        (not allowed with #MW_POP3_CONT).
 * \param code_len Its length.
 * \param text The text, may be empty.
 * \param text_len Its length.
 * \param out Output buffer.
 * \return #MW_OK; #MW_E_CRLF (CR, LF or NUL in code or text); #MW_E_ARG
 *         (bad kind, a code with a space or ']' in it, a text that would
 *         read back as a code); #MW_E_LIMIT (over 512 octets);
 *         #MW_E_NOSPACE, #MW_E_NOMEM.
 */
MW_API mw_status mw_pop3_response_write(uint32_t kind, const char *code_text,
                                        size_t code_len, const char *text,
                                        size_t text_len, mw_buf *out);

/**
 * \brief The MW_POP3_CODE_* value of a code's text ("SYS/TEMP"), ASCII
 *        case-insensitive; #MW_POP3_CODE_OTHER for any other non-empty text.
 */
MW_API uint32_t mw_pop3_code_from_text(const char *text, size_t len);

/**
 * \brief The text of a MW_POP3_CODE_* value ("IN-USE"); "" for none or
 *        unknown values.
 */
MW_API const char *mw_pop3_code_text(uint32_t code);

/**
 * \brief Parse "msg size" (a scan listing, RFC 1939 section 5: the LIST
 *        lines and the text of "+OK" to STAT and LIST n). Text after the
 *        size is ignored, as RFC 1939 allows.
 * \return #MW_OK; #MW_E_SYNTAX; #MW_E_ARG.
 */
MW_API mw_status mw_pop3_scan_parse(const char *line, size_t len, uint32_t *msg,
                                    uint64_t *size);

/**
 * \brief Parse "msg unique-id" (the UIDL lines and the text of "+OK" to
 *        UIDL n). The id is 1 to 70 characters 0x21..0x7E (RFC 1939
 *        section 7); \p uid points into \p line.
 * \return #MW_OK; #MW_E_SYNTAX; #MW_E_ARG.
 */
MW_API mw_status mw_pop3_uidl_parse(const char *line, size_t len, uint32_t *msg,
                                    mw_span *uid);

/**
 * \brief Find the APOP timestamp "<...@...>" in a greeting's text.
 *
 * Only printable ASCII without spaces is accepted inside the brackets:
 * an 8-bit or control byte there is the signature of the chosen-prefix
 * MD5 attack on APOP (Leurent, FSE 2007), as fetchmail and Thunderbird
 * also check.
 * \param text The greeting text.
 * \param len Its length.
 * \param ts Receives the timestamp with its brackets (a view into text).
 * \return #MW_OK; #MW_E_SYNTAX when there is no acceptable timestamp;
 *         #MW_E_ARG.
 */
MW_API mw_status mw_pop3_greeting_timestamp(const char *text, size_t len,
                                            mw_span *ts);

/**
 * \brief APOP digest: lower-case hex MD5 of timestamp followed by secret
 *        (RFC 1939 section 7), with a NUL at \p out[32].
 * \return #MW_OK; #MW_E_ARG (NULL pointers).
 */
MW_API mw_status mw_pop3_apop_digest(const char *timestamp, size_t ts_len,
                                     const char *secret, size_t secret_len,
                                     char out[33]);

/* ------------------------------------------------------------------ */
/* Capabilities                                                        */
/* ------------------------------------------------------------------ */

/** \brief Capability: TOP. */
#define MW_POP3_CAP_TOP 0x1u
/** \brief Capability: USER. */
#define MW_POP3_CAP_USER 0x2u
/** \brief Capability: SASL (mechanisms in \c sasl_mask). */
#define MW_POP3_CAP_SASL 0x4u
/** \brief Capability: RESP-CODES. */
#define MW_POP3_CAP_RESP_CODES 0x8u
/** \brief Capability: LOGIN-DELAY (seconds in \c login_delay). */
#define MW_POP3_CAP_LOGIN_DELAY 0x10u
/** \brief Capability: PIPELINING. */
#define MW_POP3_CAP_PIPELINING 0x20u
/** \brief Capability: EXPIRE. */
#define MW_POP3_CAP_EXPIRE 0x40u
/** \brief Capability: UIDL. */
#define MW_POP3_CAP_UIDL 0x80u
/** \brief Capability: IMPLEMENTATION. */
#define MW_POP3_CAP_IMPLEMENTATION 0x100u
/** \brief Capability: STLS. */
#define MW_POP3_CAP_STLS 0x200u
/** \brief Capability: UTF8. */
#define MW_POP3_CAP_UTF8 0x400u
/** \brief Capability: AUTH-RESP-CODE (RFC 3206). */
#define MW_POP3_CAP_AUTH_RESP_CODE 0x800u
/** \brief Capability: LANG (RFC 6856). */
#define MW_POP3_CAP_LANG 0x1000u

/** \brief What a CAPA response announced. Zero it before the first line. */
typedef struct mw_pop3_caps {
    uint32_t flags;       /**< MW_POP3_CAP_* announced. */
    uint32_t sasl_mask;   /**< MW_SASL_BIT() of the known SASL mechanisms. */
    uint32_t login_delay; /**< LOGIN-DELAY seconds (0 when absent). */
    uint32_t reserved;    /**< Zero. */
} mw_pop3_caps;

/**
 * \brief Add one line of a CAPA response to \p caps.
 *
 * Unknown capabilities are ignored (RFC 2449 section 6); so are arguments
 * that do not parse.
 * \return #MW_OK; #MW_E_ARG (NULL pointers).
 */
MW_API mw_status mw_pop3_caps_add_line(mw_pop3_caps *caps, const char *line,
                                       size_t len);

/* ------------------------------------------------------------------ */
/* Response reader                                                     */
/* ------------------------------------------------------------------ */

/** \brief Expect a single-line response. */
#define MW_POP3_EXPECT_SINGLE 0u
/** \brief Expect a response that, when +OK, is followed by lines ending
 *         with "." (CAPA, LIST, UIDL). */
#define MW_POP3_EXPECT_LINES 1u
/** \brief Expect a response that, when +OK, is followed by dot-stuffed data
 *         (RETR, TOP). */
#define MW_POP3_EXPECT_DATA 2u
/** \brief Expect a response to AUTH or to a SASL response: "+ "
 *         continuation, +OK or -ERR. */
#define MW_POP3_EXPECT_SASL 3u

/** \brief Reader item: a status line (\c resp). */
#define MW_POP3_ITEM_STATUS 1u
/** \brief Reader item: one line of a multi-line response, dot-unstuffed,
 *         without its CRLF (\c data). */
#define MW_POP3_ITEM_LINE 2u
/** \brief Reader item: a run of dot-unstuffed data bytes, line ends
 *         included (\c data). */
#define MW_POP3_ITEM_DATA 3u
/** \brief Reader item: the "." that ends a multi-line response. */
#define MW_POP3_ITEM_END 4u

/** \brief One item of a response. */
typedef struct mw_pop3_item {
    uint32_t type;         /**< MW_POP3_ITEM_*. */
    uint32_t reserved;     /**< Zero. */
    mw_pop3_response resp; /**< The status line (#MW_POP3_ITEM_STATUS). */
    mw_span data;          /**< A line or data run. */
} mw_pop3_item;

/** \brief Incremental POP3 response reader (opaque). */
typedef struct mw_pop3_reader mw_pop3_reader;

/**
 * \brief Bytes needed for a reader whose lines are at most \p line_max
 *        octets with CRLF (0: #MW_POP3_RESP_LINE_MAX).
 * \return The size; never 0.
 */
MW_API size_t mw_pop3_reader_sizeof(uint32_t line_max);

/**
 * \brief Create a reader; it expects #MW_POP3_EXPECT_SINGLE (a greeting).
 * \param line_max Longest line with CRLF; 0 means #MW_POP3_RESP_LINE_MAX.
 * \param allocator Allocator, or NULL for libc; must outlive the reader.
 * \param out Receives the reader.
 * \return #MW_OK, #MW_E_NOMEM, #MW_E_ARG.
 */
MW_API mw_status mw_pop3_reader_new(uint32_t line_max,
                                    const mw_allocator *allocator,
                                    mw_pop3_reader **out);

/**
 * \brief Place a reader in caller storage of mw_pop3_reader_sizeof()
 *        bytes, aligned as malloc would.
 * \return #MW_OK, #MW_E_ARG (NULL, too small or misaligned \p mem).
 */
MW_API mw_status mw_pop3_reader_init_in(void *mem, size_t len,
                                        uint32_t line_max,
                                        mw_pop3_reader **out);

/** \brief Free a reader from mw_pop3_reader_new(); NULL and readers placed
 *         with mw_pop3_reader_init_in() are ignored. */
MW_API void mw_pop3_reader_free(mw_pop3_reader *r);

/**
 * \brief Say what the next response is (what command it answers).
 * \return #MW_OK; #MW_E_STATE in the middle of a response; #MW_E_ARG.
 */
MW_API mw_status mw_pop3_reader_expect(mw_pop3_reader *r, uint32_t expect);

/**
 * \brief Read the next item.
 *
 * After a #MW_POP3_ITEM_STATUS that is +OK of an EXPECT_LINES or
 * EXPECT_DATA response, items follow up to #MW_POP3_ITEM_END; then the
 * reader waits for the next response with #MW_POP3_EXPECT_SINGLE unless
 * told otherwise. Data ends only at CRLF "." CRLF (strict).
 * \param r The reader.
 * \param in Input bytes (NULL only when \p len is 0).
 * \param len Their number.
 * \param consumed Set to the bytes of \p in used.
 * \param item Receives the item; views are valid until the next call on
 *        \p r and while \p in is.
 * \return #MW_OK with an item; #MW_NEED_MORE (all input consumed);
 *         #MW_E_SYNTAX (not a status line, a continuation where none is
 *         expected); #MW_E_LIMIT (line over the limit). Errors are
 *         sticky; mw_pop3_reader_error() says why and where.
 */
MW_API mw_status mw_pop3_reader_feed(mw_pop3_reader *r, const void *in,
                                     size_t len, size_t *consumed,
                                     mw_pop3_item *item);

/**
 * \brief Whether the reader is between responses (nothing partial held).
 * \return 1 or 0.
 */
MW_API int mw_pop3_reader_idle(const mw_pop3_reader *r);

/**
 * \brief The last error: reason, and the stream offset (bytes since
 *        creation or the last reset) where its line started.
 * \return #MW_OK; #MW_E_ARG.
 */
MW_API mw_status mw_pop3_reader_error(const mw_pop3_reader *r, uint32_t *reason,
                                      uint64_t *offset);

/** \brief Forget everything (after STLS): stream offset 0, expect SINGLE. */
MW_API void mw_pop3_reader_reset(mw_pop3_reader *r);

/* ------------------------------------------------------------------ */
/* Sessions: common                                                    */
/* ------------------------------------------------------------------ */

/** \brief Session state: waiting for the greeting (client only). */
#define MW_POP3_STATE_GREETING 0u
/** \brief Session state: AUTHORIZATION (RFC 1939 section 4). */
#define MW_POP3_STATE_AUTHORIZATION 1u
/** \brief Session state: TRANSACTION (RFC 1939 section 5). */
#define MW_POP3_STATE_TRANSACTION 2u
/** \brief Session state: UPDATE (after QUIT in TRANSACTION). */
#define MW_POP3_STATE_UPDATE 3u
/** \brief Session state: the conversation is over. */
#define MW_POP3_STATE_CLOSED 4u

/* ------------------------------------------------------------------ */
/* Client session                                                      */
/* ------------------------------------------------------------------ */

/** \brief Client flag: the connection is already TLS (pop3s, port 995). */
#define MW_POP3_CLIENT_TLS_ACTIVE 0x1u

/** \brief Client settings. Start from all zeroes; 0 means the default. */
typedef struct mw_pop3_client_config {
    uint32_t size;         /**< sizeof(mw_pop3_client_config). */
    uint32_t flags;        /**< MW_POP3_CLIENT_*. */
    uint32_t line_max;     /**< Longest response line with CRLF; default
                                #MW_POP3_RESP_LINE_MAX. */
    uint32_t inflight_max; /**< Commands queued at once; default 32. */
    uint32_t output_max;   /**< Pending output; default 64 KiB. */
    uint32_t sasl_max;     /**< Longest decoded SASL message; default
                                8192. */
} mw_pop3_client_config;

/** \brief Client event: the greeting (\c resp; -ERR ends the session). */
#define MW_POP3_CEV_GREETING 1u
/**
 * \brief Client event: the status line answering command \c verb
 *        (\c resp). STAT fills \c count and \c size; LIST n fills \c msg
 *        and \c size; UIDL n fills \c msg and \c uid (when the text parses).
 *        A successful STLS is followed by #MW_WANT_TLS.
 */
#define MW_POP3_CEV_REPLY 2u
/** \brief Client event: one CAPA line (\c data), already added to the
 *         session's capabilities. */
#define MW_POP3_CEV_CAPA 3u
/** \brief Client event: one LIST entry (\c msg, \c size). */
#define MW_POP3_CEV_LIST 4u
/** \brief Client event: one UIDL entry (\c msg, \c uid). */
#define MW_POP3_CEV_UIDL 5u
/** \brief Client event: a chunk of a RETR or TOP message (\c data), CRLF
 *         line ends, dot-unstuffed; a chunk is never longer than the bytes
 *         fed, so a message of any size passes in constant memory. */
#define MW_POP3_CEV_DATA 6u
/** \brief Client event: the end of the multi-line response to \c verb. */
#define MW_POP3_CEV_END 7u
/**
 * \brief Client event: \c count bytes the server sent after its +OK to
 *        STLS and before the TLS handshake were discarded (response
 *        injection, CVE-2020-15953). Reported once, on the first feed
 *        after mw_pop3_client_tls_done().
 */
#define MW_POP3_CEV_DISCARDED 8u

/** \brief A client event; views are valid until the next call on the
 *         session. */
typedef struct mw_pop3_client_event {
    uint32_t type;         /**< MW_POP3_CEV_*. */
    uint32_t verb;         /**< The command answered (#mw_pop3_verb). */
    mw_pop3_response resp; /**< Status line (GREETING, REPLY). */
    uint32_t msg;          /**< Message number (LIST, UIDL). */
    uint32_t count;        /**< STAT: message count. */
    uint64_t size;         /**< STAT: maildrop size; LIST: message size;
                                DISCARDED: bytes discarded. */
    mw_span uid;           /**< UIDL: unique id. */
    mw_span data;          /**< CAPA line, or DATA chunk. */
} mw_pop3_client_event;

/** \brief POP3 client session (opaque). */
typedef struct mw_pop3_client mw_pop3_client;

/**
 * \brief Bytes mw_pop3_client_init_in() needs for \p cfg (NULL: defaults).
 * \return The size; never 0.
 */
MW_API size_t mw_pop3_client_sizeof(const mw_pop3_client_config *cfg);

/**
 * \brief Create a client session; it waits for the greeting.
 * \param cfg Settings, or NULL; only read during the call.
 * \param allocator Allocator, or NULL for libc; must outlive the session.
 * \param out Receives the session.
 * \return #MW_OK; #MW_E_NOMEM; #MW_E_ARG (NULL \p out, \c size too small).
 */
MW_API mw_status mw_pop3_client_new(const mw_pop3_client_config *cfg,
                                    const mw_allocator *allocator,
                                    mw_pop3_client **out);

/**
 * \brief Place a client session in caller storage (no heap at all: the
 *        output and SASL buffers are fixed parts of \p mem).
 * \param mem mw_pop3_client_sizeof(cfg) bytes aligned as malloc would;
 *        must outlive the session.
 * \param len Size of \p mem.
 * \param cfg Settings, or NULL.
 * \param out Receives the session.
 * \return #MW_OK; #MW_E_ARG.
 */
MW_API mw_status mw_pop3_client_init_in(void *mem, size_t len,
                                        const mw_pop3_client_config *cfg,
                                        mw_pop3_client **out);

/** \brief Free a session (wiping SASL buffers); a SASL object given to
 *         mw_pop3_client_auth() stays the caller's. NULL is a no-op; a
 *         session from init_in is only wiped. */
MW_API void mw_pop3_client_free(mw_pop3_client *s);

/**
 * \brief Feed the server's bytes (session I/O contract, core.h).
 * \return #MW_OK with \p event; #MW_NEED_MORE; fatal errors (the session
 *         then only wants to close): #MW_E_SYNTAX, #MW_E_LIMIT (malformed
 *         or over-long response, a response nobody asked for),
 *         #MW_E_AUTH (the SASL mechanism rejected the server, e.g. a SCRAM
 *         server signature), #MW_E_NOSPACE / #MW_E_NOMEM (no room for a
 *         SASL response); #MW_E_ARG. Once the session is closed (QUIT
 *         answered, -ERR greeting, eof) input is consumed and ignored
 *         (#MW_NEED_MORE).
 */
MW_API mw_status mw_pop3_client_feed(mw_pop3_client *s, const void *data,
                                     size_t len, size_t *consumed,
                                     mw_pop3_client_event *event);

/**
 * \brief View of the bytes ready to be sent (only commands the server may
 *        see now: without PIPELINING one command at a time).
 * \return The first byte (NULL when \p len is 0); valid until the next
 *         call on \p s.
 */
MW_API const char *mw_pop3_client_output(const mw_pop3_client *s, size_t *len);

/** \brief \p n bytes of the output view were sent. */
MW_API void mw_pop3_client_output_done(mw_pop3_client *s, size_t n);

/**
 * \brief MW_WANT_* mask (see core.h): READ while the greeting or a reply
 *        is awaited, WRITE while released output waits, TLS after +OK to
 *        STLS, CLOSE once the conversation is over.
 * \return The mask; 0 when the session is idle, waiting for the
 *         application's next request.
 */
MW_API uint32_t mw_pop3_client_wants(const mw_pop3_client *s);

/**
 * \brief The TLS handshake after STLS finished (\p ok 1) or failed (0).
 *
 * On success the session forgets the capabilities and sends CAPA again
 * (RFC 2595 section 4); its reply arrives as usual events.
 * \return #MW_OK; #MW_E_STATE (no handshake was wanted); #MW_E_TLS when
 *         \p ok is 0 (the session is closed).
 */
MW_API mw_status mw_pop3_client_tls_done(mw_pop3_client *s, int ok);

/**
 * \brief The server closed the connection.
 * \return #MW_OK when that was expected (after QUIT or a -ERR greeting);
 *         #MW_E_CLOSED otherwise. The session is closed either way.
 */
MW_API mw_status mw_pop3_client_eof(mw_pop3_client *s);

/** \brief The MW_POP3_STATE_* of the session (confirmed by the server). */
MW_API uint32_t mw_pop3_client_state(const mw_pop3_client *s);

/**
 * \brief Capabilities from the last CAPA response.
 * \return #MW_OK; #MW_E_STATE (no successful CAPA since connecting or
 *         since TLS); #MW_E_ARG.
 */
MW_API mw_status mw_pop3_client_caps(const mw_pop3_client *s,
                                     mw_pop3_caps *caps);

/**
 * \brief The greeting's APOP timestamp.
 * \return #MW_OK with a view valid until the session is freed;
 *         #MW_E_STATE when the greeting had none; #MW_E_ARG.
 */
MW_API mw_status mw_pop3_client_timestamp(const mw_pop3_client *s, mw_span *ts);

/**
 * \name Client requests
 *
 * Each queues one command; its reply comes as events. They return #MW_OK;
 * #MW_E_STATE (not allowed in the state, confirmed or pending: e.g.
 * STAT before login, USER in TRANSACTION, anything after QUIT, anything
 * while AUTH or STLS is in progress, AUTH/STLS with commands pending);
 * #MW_E_UNSUPPORTED (the capabilities say the server lacks it); #MW_E_ARG
 * (message number 0, NULL or empty arguments); #MW_E_CRLF (CR, LF or NUL
 * in an argument); #MW_E_LIMIT (argument or line too long, or too many
 * commands in flight); #MW_E_NOSPACE / #MW_E_NOMEM (output full).
 * @{
 */
/** \brief CAPA (RFC 2449). */
MW_API mw_status mw_pop3_client_capa(mw_pop3_client *s);
/** \brief STLS (RFC 2595); #MW_E_STATE over TLS already. */
MW_API mw_status mw_pop3_client_stls(mw_pop3_client *s);
/** \brief USER name. */
MW_API mw_status mw_pop3_client_user(mw_pop3_client *s, const char *name,
                                     size_t len);
/** \brief PASS password; the password is not kept. */
MW_API mw_status mw_pop3_client_pass(mw_pop3_client *s, const char *password,
                                     size_t len);
/** \brief APOP name digest, the digest made from the greeting's timestamp
 *         and \p secret (not kept); #MW_E_STATE when the greeting had no
 *         timestamp. */
MW_API mw_status mw_pop3_client_apop(mw_pop3_client *s, const char *name,
                                     size_t name_len, const char *secret,
                                     size_t secret_len);
/**
 * \brief AUTH with a SASL client object that has not started (sasl.h).
 *
 * The session sends the initial response when the mechanism has one and
 * the line fits 255 octets (RFC 5034 section 4), answers every "+ "
 * challenge through mw_sasl_step(), and checks the final +OK with
 * mw_sasl_client_success(). The object must stay alive until the AUTH
 * reply event; it stays the caller's to free. When this call fails after
 * the mechanism produced its initial response (#MW_E_NOSPACE,
 * #MW_E_NOMEM), the object cannot be reused: make a new one.
 */
MW_API mw_status mw_pop3_client_auth(mw_pop3_client *s, mw_sasl *sasl);
/** \brief UTF8 (RFC 6856), AUTHORIZATION state only. */
MW_API mw_status mw_pop3_client_utf8(mw_pop3_client *s);
/** \brief STAT. */
MW_API mw_status mw_pop3_client_stat(mw_pop3_client *s);
/** \brief LIST (msg 0) or LIST msg. */
MW_API mw_status mw_pop3_client_list(mw_pop3_client *s, uint32_t msg);
/** \brief UIDL (msg 0) or UIDL msg. */
MW_API mw_status mw_pop3_client_uidl(mw_pop3_client *s, uint32_t msg);
/** \brief RETR msg. */
MW_API mw_status mw_pop3_client_retr(mw_pop3_client *s, uint32_t msg);
/** \brief TOP msg lines. */
MW_API mw_status mw_pop3_client_top(mw_pop3_client *s, uint32_t msg,
                                    uint32_t lines);
/** \brief DELE msg. */
MW_API mw_status mw_pop3_client_dele(mw_pop3_client *s, uint32_t msg);
/** \brief NOOP. */
MW_API mw_status mw_pop3_client_noop(mw_pop3_client *s);
/** \brief RSET. */
MW_API mw_status mw_pop3_client_rset(mw_pop3_client *s);
/** \brief QUIT (in TRANSACTION the server then deletes the marked
 *         messages). */
MW_API mw_status mw_pop3_client_quit(mw_pop3_client *s);
/** @} */

/* ------------------------------------------------------------------ */
/* Server session                                                      */
/* ------------------------------------------------------------------ */

/** \brief Server flag: offer and accept USER/PASS. */
#define MW_POP3_SERVER_USER 0x1u
/** \brief Server flag: put a timestamp in the greeting and accept APOP. */
#define MW_POP3_SERVER_APOP 0x2u
/** \brief Server flag: offer STLS (the transport can do TLS). */
#define MW_POP3_SERVER_STLS 0x4u
/** \brief Server flag: the connection is already TLS. */
#define MW_POP3_SERVER_TLS_ACTIVE 0x8u
/** \brief Server flag: refuse USER/PASS, APOP and AUTH until TLS is on
 *         (RFC 2595 section 2.1); USER is not announced before. */
#define MW_POP3_SERVER_TLS_REQUIRED 0x10u
/** \brief Server flag: offer and accept UTF8 (RFC 6856). */
#define MW_POP3_SERVER_UTF8 0x20u

/** \brief Server settings. Start from all zeroes; 0 means the default. */
typedef struct mw_pop3_server_config {
    uint32_t size;          /**< sizeof(mw_pop3_server_config). */
    uint32_t flags;         /**< MW_POP3_SERVER_*. */
    uint32_t line_max;      /**< Longest command line with CRLF; default
                                 #MW_POP3_CMD_LINE_MAX. */
    uint32_t sasl_line_max; /**< Longest SASL response line with CRLF;
                                 default 8192. */
    uint32_t output_max;    /**< Pending output; default 1 MiB. */
    uint32_t messages_max;  /**< Largest maildrop (init_in storage for
                                 deletion marks); default 65536. */
    uint32_t login_delay;   /**< LOGIN-DELAY to announce; 0: none. */
    uint32_t reserved;      /**< Must be 0. */
    mw_span timestamp;      /**< APOP timestamp with brackets, e.g.
                                 "<1896.697170952@dbc.mtview.ca.us>", made
                                 unique by the caller (process id, clock,
                                 random); needed for #MW_POP3_SERVER_APOP. */
    mw_span name;           /**< Host name used in the QUIT reply. */
    mw_span sasl_mechs;     /**< Space-separated SASL mechanisms to
                                 announce and accept; empty: no AUTH. */
    mw_span implementation; /**< IMPLEMENTATION text; empty: none. */
    mw_span expire;         /**< EXPIRE argument ("NEVER", "60"); empty:
                                 none. */
} mw_pop3_server_config;

/** \brief Login method: USER then PASS (\c user, \c secret = password). */
#define MW_POP3_LOGIN_PASS 1u
/** \brief Login method: APOP (\c user, \c secret = digest); check it with
 *         mw_pop3_server_apop_verify(). */
#define MW_POP3_LOGIN_APOP 2u
/** \brief Login method: SASL; the mechanism authenticated \c user. */
#define MW_POP3_LOGIN_SASL 3u

/**
 * \brief Server event: a login attempt. Answer with
 *        mw_pop3_server_login_ok() (open the maildrop) or
 *        mw_pop3_server_login_fail().
 */
#define MW_POP3_SEV_LOGIN 1u
/**
 * \brief Server event: AUTH names mechanism \c mech (one of the
 *        configured ones). Answer with mw_pop3_server_auth_start() and a
 *        new SASL server object, or mw_pop3_server_login_fail().
 */
#define MW_POP3_SEV_AUTH 2u
/**
 * \brief Server event: the SASL object needs the user's credential (see
 *        sasl.h, #MW_NEED_MORE); \c user is mw_sasl_server_identity()'s
 *        authcid. Give it to the SASL object, then call
 *        mw_pop3_server_auth_continue().
 */
#define MW_POP3_SEV_SASL_NEED 3u
/**
 * \brief Server event: RETR \c msg (or TOP \c msg \c lines). Stream the
 *        message with mw_pop3_server_send_data() and
 *        mw_pop3_server_send_end(), or refuse with
 *        mw_pop3_server_send_error().
 */
#define MW_POP3_SEV_RETR 4u
/** \brief Server event: TOP \c msg \c lines; answered as RETR, the session
 *         cuts the message after the header and \c lines body lines. */
#define MW_POP3_SEV_TOP 5u
/**
 * \brief Server event: QUIT in TRANSACTION: delete the \c count messages
 *        marked (mw_pop3_server_is_deleted()), then answer
 *        mw_pop3_server_update_done(). Never raised for a dropped
 *        connection.
 */
#define MW_POP3_SEV_UPDATE 6u
/** \brief Server event: \c count bytes the client pipelined after STLS
 *         were discarded (reported on the first feed after TLS). */
#define MW_POP3_SEV_DISCARDED 7u
/** \brief Server event: the client switched to UTF8 mode (informational). */
#define MW_POP3_SEV_UTF8 8u

/** \brief A server event; views are valid until the next call on the
 *         session. */
typedef struct mw_pop3_server_event {
    uint32_t type;   /**< MW_POP3_SEV_*. */
    uint32_t method; /**< LOGIN: MW_POP3_LOGIN_*. */
    mw_span user;    /**< LOGIN, SASL_NEED: user name. */
    mw_span secret;  /**< LOGIN: password (PASS) or digest (APOP). */
    mw_span mech;    /**< AUTH: mechanism name as the client wrote it. */
    uint32_t msg;    /**< RETR, TOP: message number (valid, not deleted). */
    uint32_t lines;  /**< TOP: body lines. */
    uint64_t count;  /**< UPDATE: messages to delete; DISCARDED: bytes. */
} mw_pop3_server_event;

/**
 * \brief The maildrop given at login. The arrays are not copied: they must
 *        stay valid and unchanged until the session is freed.
 */
typedef struct mw_pop3_maildrop {
    uint32_t count;        /**< Number of messages (1..count). */
    uint32_t reserved;     /**< Zero. */
    const uint64_t *sizes; /**< Size of each message in octets with CRLF
                                line ends; sizes[i] is message i+1. */
    const mw_span *uids;   /**< Unique ids (1..70 of 0x21..0x7E), or NULL
                                when UIDL is not offered. */
} mw_pop3_maildrop;

/** \brief POP3 server session (opaque). */
typedef struct mw_pop3_server mw_pop3_server;

/**
 * \brief Bytes mw_pop3_server_init_in() needs for \p cfg.
 * \return The size; never 0.
 */
MW_API size_t mw_pop3_server_sizeof(const mw_pop3_server_config *cfg);

/**
 * \brief Create a server session; the greeting is queued at once.
 * \param cfg Settings (copied, spans included), or NULL for the defaults.
 * \param allocator Allocator, or NULL for libc; must outlive the session.
 * \param out Receives the session.
 * \return #MW_OK; #MW_E_NOMEM; #MW_E_ARG (NULL \p out, \c size too small,
 *         #MW_POP3_SERVER_APOP without a valid timestamp, CR/LF in a span).
 */
MW_API mw_status mw_pop3_server_new(const mw_pop3_server_config *cfg,
                                    const mw_allocator *allocator,
                                    mw_pop3_server **out);

/**
 * \brief Place a server session in caller storage (no heap).
 * \return As mw_pop3_server_new(), #MW_E_ARG also for a small \p mem.
 */
MW_API mw_status mw_pop3_server_init_in(void *mem, size_t len,
                                        const mw_pop3_server_config *cfg,
                                        mw_pop3_server **out);

/** \brief Free a session and a SASL object it still holds. NULL is a
 *         no-op; a session from init_in is only wiped. */
MW_API void mw_pop3_server_free(mw_pop3_server *s);

/**
 * \brief Feed the client's bytes (session I/O contract, core.h).
 *
 * Every command is answered by the session itself except those raising an
 * event; until such an event is answered feed consumes nothing and
 * returns #MW_E_STATE (not fatal). Once the session is closed (QUIT,
 * eof, failed TLS) input is consumed and ignored.
 * \return #MW_OK with \p event; #MW_NEED_MORE; #MW_E_STATE (an answer is
 *         owed); #MW_E_NOSPACE / #MW_E_NOMEM
 *         (no room for a reply: drain the output and feed again);
 *         #MW_E_ARG.
 */
MW_API mw_status mw_pop3_server_feed(mw_pop3_server *s, const void *data,
                                     size_t len, size_t *consumed,
                                     mw_pop3_server_event *event);

/** \brief View of the bytes to send; valid until the next call on \p s. */
MW_API const char *mw_pop3_server_output(const mw_pop3_server *s, size_t *len);

/** \brief \p n bytes of the output view were sent. */
MW_API void mw_pop3_server_output_done(mw_pop3_server *s, size_t n);

/**
 * \brief MW_WANT_* mask (see core.h): READ unless an answer is owed,
 *        WRITE while output waits, TLS once the +OK to STLS is sent, CLOSE
 *        after QUIT, eof or a failed handshake.
 * \return The mask.
 */
MW_API uint32_t mw_pop3_server_wants(const mw_pop3_server *s);

/**
 * \brief The TLS handshake after STLS finished (\p ok 1) or failed (0).
 * \return #MW_OK; #MW_E_STATE (none was wanted); #MW_E_TLS when \p ok is
 *         0 (the session is closed).
 */
MW_API mw_status mw_pop3_server_tls_done(mw_pop3_server *s, int ok);

/**
 * \brief The client dropped the connection: the session closes WITHOUT
 *        entering UPDATE (nothing marked is deleted, RFC 1939 section 6).
 * \return #MW_OK.
 */
MW_API mw_status mw_pop3_server_eof(mw_pop3_server *s);

/** \brief The MW_POP3_STATE_* of the session. */
MW_API uint32_t mw_pop3_server_state(const mw_pop3_server *s);

/**
 * \brief Answer #MW_POP3_SEV_LOGIN: the credentials are good and the
 *        maildrop is open (and locked); the session enters TRANSACTION.
 * \return #MW_OK; #MW_E_STATE (no login pending); #MW_E_ARG (NULL,
 *         NULL sizes with a count, an invalid uid); #MW_E_LIMIT (more
 *         than \c messages_max messages in an init_in session);
 *         #MW_E_NOMEM, #MW_E_NOSPACE (nothing changed; retry).
 */
MW_API mw_status mw_pop3_server_login_ok(mw_pop3_server *s,
                                         const mw_pop3_maildrop *md);

/**
 * \brief Answer #MW_POP3_SEV_LOGIN or #MW_POP3_SEV_AUTH with -ERR.
 * \param s The session.
 * \param code #MW_POP3_CODE_AUTH (wrong credentials), #MW_POP3_CODE_IN_USE
 *        (maildrop locked), #MW_POP3_CODE_LOGIN_DELAY,
 *        #MW_POP3_CODE_SYS_TEMP, #MW_POP3_CODE_SYS_PERM or
 *        #MW_POP3_CODE_NONE.
 * \return #MW_OK; #MW_E_STATE; #MW_E_ARG (other codes); #MW_E_NOSPACE,
 *         #MW_E_NOMEM.
 */
MW_API mw_status mw_pop3_server_login_fail(mw_pop3_server *s, uint32_t code);

/**
 * \brief Check an APOP digest (during #MW_POP3_SEV_LOGIN with
 *        #MW_POP3_LOGIN_APOP) against the user's \p secret, in constant
 *        time, case-insensitively.
 * \return 1 when it matches, 0 otherwise (also outside an APOP login).
 */
MW_API int mw_pop3_server_apop_verify(const mw_pop3_server *s,
                                      const char *secret, size_t secret_len);

/**
 * \brief Answer #MW_POP3_SEV_AUTH: run the exchange with \p sasl, a new
 *        server object for that mechanism (mw_sasl_server_new()). The
 *        session owns it from now on and frees it.
 * \return #MW_OK; #MW_E_STATE; #MW_E_ARG; #MW_E_NOSPACE, #MW_E_NOMEM.
 */
MW_API mw_status mw_pop3_server_auth_start(mw_pop3_server *s, mw_sasl *sasl);

/**
 * \brief Answer #MW_POP3_SEV_SASL_NEED after giving the SASL object its
 *        credential.
 * \return #MW_OK; #MW_E_STATE; #MW_E_NOSPACE, #MW_E_NOMEM (retry).
 */
MW_API mw_status mw_pop3_server_auth_continue(mw_pop3_server *s);

/**
 * \brief The SASL object of the exchange in progress (to read its
 *        identity and give credentials during #MW_POP3_SEV_SASL_NEED).
 * \return The object, or NULL.
 */
MW_API mw_sasl *mw_pop3_server_sasl(mw_pop3_server *s);

/**
 * \brief Answer RETR/TOP: the next bytes of the message, as stored (any
 *        line ends; the session dot-stuffs, writes CRLF and cuts TOP).
 *        The first call also writes the "+OK" line.
 * \return #MW_OK; #MW_E_STATE; #MW_E_NOSPACE (nothing written: drain the
 *         output or send less); #MW_E_NOMEM; #MW_E_ARG.
 */
MW_API mw_status mw_pop3_server_send_data(mw_pop3_server *s, const void *data,
                                          size_t len);

/**
 * \brief Answer RETR/TOP: the message is complete; writes the final ".".
 * \return As mw_pop3_server_send_data().
 */
MW_API mw_status mw_pop3_server_send_end(mw_pop3_server *s);

/**
 * \brief Answer RETR/TOP with -ERR (e.g. #MW_POP3_CODE_SYS_TEMP when the
 *        message cannot be read), only before any data was sent.
 * \return #MW_OK; #MW_E_STATE; #MW_E_NOSPACE, #MW_E_NOMEM.
 */
MW_API mw_status mw_pop3_server_send_error(mw_pop3_server *s, uint32_t code);

/**
 * \brief During TOP: 1 when the session has all the lines it will send
 *        (the application may stop reading and call send_end), else 0.
 */
MW_API int mw_pop3_server_top_full(const mw_pop3_server *s);

/**
 * \brief Whether message \p msg (1-based) is marked deleted.
 * \return 1 or 0 (0 also for numbers out of range).
 */
MW_API int mw_pop3_server_is_deleted(const mw_pop3_server *s, uint32_t msg);

/**
 * \brief Answer #MW_POP3_SEV_UPDATE: \p ok 1 when every marked message was
 *        removed, 0 otherwise ("-ERR [SYS/TEMP]", RFC 1939 section 6).
 *        The session then closes.
 * \return #MW_OK; #MW_E_STATE; #MW_E_NOSPACE, #MW_E_NOMEM.
 */
MW_API mw_status mw_pop3_server_update_done(mw_pop3_server *s, int ok);

/**
 * \brief Total bytes of pipelined plaintext discarded at STLS.
 * \return The count.
 */
MW_API uint64_t mw_pop3_server_discarded(const mw_pop3_server *s);

/**
 * \brief Total bytes the server sent between +OK to STLS and the
 *        handshake, discarded.
 * \return The count.
 */
MW_API uint64_t mw_pop3_client_discarded(const mw_pop3_client *s);

#ifdef __cplusplus
}
#endif

#endif /* MAILWIRE_POP3_H */
