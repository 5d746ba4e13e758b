/**
 * \file smtp.h
 * \brief SMTP / LMTP codec: command and reply parsers and serializers,
 *        enhanced status codes, EHLO capabilities (RFC 5321, RFC 2033,
 *        RFC 1870, RFC 3461, RFC 3463, RFC 4954, RFC 6152, RFC 6531,
 *        RFC 3030, RFC 8689).
 *
 * The codec works on ONE complete line at a time, given as bytes without
 * its line end plus a flag that says whether it ended in CRLF (the flags of
 * mw_line_reader_next() can be passed straight through). It never sees a
 * byte stream: assembling lines is the job of the shared line reader
 * (stream.h), and keeping state across commands is the job of the
 * sessions.
 *
 * Parsed values are views (#mw_span) into the line that was parsed (for
 * commands) or into the reply parser's own storage (for replies); each
 * function documents how long they stay valid. Nothing in a parsed value
 * is decoded: quoted local parts keep their quotes, xtext stays xtext.
 * Helpers decode on request into a caller buffer.
 *
 * Serializers refuse to emit what a peer would misread: CR, LF or NUL in
 * any argument is #MW_E_CRLF (command injection, python/cpython #87290,
 * curl PR #22119, MimeKit GHSA-g7hc-96xr-gvvx), and anything that would
 * not parse back to the same value is #MW_E_ARG. Output is appended to an
 * #mw_buf whole or not at all.
 */
#ifndef MAILWIRE_SMTP_H
#define MAILWIRE_SMTP_H

#include <stddef.h>
#include <stdint.h>

#include "mailwire/core.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------ */
/* Configuration and errors                                            */
/* ------------------------------------------------------------------ */

/** \brief Line flag: the line ended with CRLF (same value as
 *         MW_LINE_CRLF of stream.h). Without it the line ended with a bare
 *         LF or at the end of the input. */
#define MW_SMTP_LINE_CRLF 0x1u

/** \brief Codec flag: UTF-8 is allowed in paths, domains, parameter
 *         values and arguments (the server offered SMTPUTF8, RFC 6531).
 *         Without it every byte above 0x7F is a syntax error. */
#define MW_SMTP_CODEC_UTF8 0x1u
/** \brief Codec flag: refuse a line that did not end in CRLF (otherwise it
 *         is accepted and flagged). */
#define MW_SMTP_CODEC_STRICT_CRLF 0x2u

/** \brief Default longest command line, CRLF included (RFC 5321
 *         4.5.3.1.4). */
#define MW_SMTP_LINE_MAX_DEFAULT 512u
/** \brief Extra command-line length allowed for MAIL: 100 for ENVID / RET
 *         (RFC 3461 section 4) and 500 for AUTH= (RFC 4954 section 5). */
#define MW_SMTP_MAIL_LINE_EXTRA 600u
/** \brief Extra command-line length allowed for RCPT: 500 for NOTIFY /
 *         ORCPT (RFC 3461 section 4). */
#define MW_SMTP_RCPT_LINE_EXTRA 500u
/** \brief Extra command-line length allowed for AUTH, so that with the
 *         default 512 an AUTH line with its initial response may be
 *         12288 octets, CRLF included (RFC 4954 section 4). */
#define MW_SMTP_AUTH_LINE_EXTRA 11776u
/** \brief Default longest local part (RFC 5321 4.5.3.1.1). */
#define MW_SMTP_LOCAL_MAX_DEFAULT 64u
/** \brief Default longest domain (RFC 5321 4.5.3.1.2). */
#define MW_SMTP_DOMAIN_MAX_DEFAULT 255u
/** \brief Default longest path, angle brackets included (RFC 5321
 *         4.5.3.1.3). */
#define MW_SMTP_PATH_MAX_DEFAULT 256u
/** \brief Default longest reply line, CRLF included (RFC 5321
 *         4.5.3.1.5). */
#define MW_SMTP_REPLY_LINE_MAX_DEFAULT 512u
/** \brief Default most lines in one reply. */
#define MW_SMTP_REPLY_LINES_MAX_DEFAULT 64u
/** \brief Default most text bytes (all lines together) in one reply. */
#define MW_SMTP_REPLY_TEXT_MAX_DEFAULT 8192u

/**
 * \brief Codec settings. Zero-initialise, set \c size to
 *        sizeof(mw_smtp_codec_config) and change what you need; a NULL
 *        config means all defaults.
 *
 * The RFC 5321 limits can only be raised: a value of 0 or below the RFC
 * minimum means the RFC minimum, because every implementation must accept
 * objects of at least these sizes.
 */
typedef struct mw_smtp_codec_config {
    uint32_t size;            /**< sizeof(mw_smtp_codec_config). */
    uint32_t flags;           /**< MW_SMTP_CODEC_* flags. */
    uint32_t line_max;        /**< Command line, CRLF included (512). */
    uint32_t local_max;       /**< Local part (64). */
    uint32_t domain_max;      /**< Domain or address literal (255). */
    uint32_t path_max;        /**< Path with its angle brackets (256). */
    uint32_t reply_line_max;  /**< Reply line, CRLF included (512). */
    uint32_t reply_lines_max; /**< Lines per reply (64; minimum 1). */
    uint32_t reply_text_max;  /**< Text bytes per reply (8192). */
} mw_smtp_codec_config;

/** \brief Error reasons (mw_smtp_parse_error::reason). */
#define MW_SMTP_ERR_NONE 0u
/** \brief Limit: the command line is too long (suggested reply
 *         500 5.5.6, RFC 3463 / RFC 4954). */
#define MW_SMTP_ERR_LINE_TOO_LONG 1u
/** \brief Limit: the local part is too long. */
#define MW_SMTP_ERR_LOCAL_TOO_LONG 2u
/** \brief Limit: the domain is too long. */
#define MW_SMTP_ERR_DOMAIN_TOO_LONG 3u
/** \brief Limit: the path is too long. */
#define MW_SMTP_ERR_PATH_TOO_LONG 4u
/** \brief Limit: more unknown parameters than #MW_SMTP_PARAMS_MAX. */
#define MW_SMTP_ERR_TOO_MANY_PARAMS 5u
/** \brief Limit: a reply has too many lines. */
#define MW_SMTP_ERR_REPLY_TOO_MANY_LINES 6u
/** \brief Limit: a reply has too much text. */
#define MW_SMTP_ERR_REPLY_TOO_LONG 7u
/** \brief Limit: a reply line is too long. */
#define MW_SMTP_ERR_REPLY_LINE_TOO_LONG 8u
/** \brief Syntax: empty line. */
#define MW_SMTP_ERR_EMPTY 9u
/** \brief Syntax: the command name is not a keyword. */
#define MW_SMTP_ERR_BAD_VERB 10u
/** \brief Syntax: CR, LF or NUL inside the line. */
#define MW_SMTP_ERR_CTL 11u
/** \brief Syntax: a byte above 0x7F without SMTPUTF8. */
#define MW_SMTP_ERR_8BIT 12u
/** \brief Syntax: invalid UTF-8. */
#define MW_SMTP_ERR_BAD_UTF8 13u
/** \brief Syntax: the line did not end in CRLF (strict mode). */
#define MW_SMTP_ERR_NO_CRLF 14u
/** \brief Syntax: a space was expected. */
#define MW_SMTP_ERR_SPACE_EXPECTED 15u
/** \brief Syntax: the command takes no argument. */
#define MW_SMTP_ERR_UNEXPECTED_ARG 16u
/** \brief Syntax: the command needs an argument. */
#define MW_SMTP_ERR_MISSING_ARG 17u
/** \brief Syntax: "FROM:" expected after MAIL. */
#define MW_SMTP_ERR_FROM_EXPECTED 18u
/** \brief Syntax: "TO:" expected after RCPT. */
#define MW_SMTP_ERR_TO_EXPECTED 19u
/** \brief Syntax: '<' expected. */
#define MW_SMTP_ERR_PATH_EXPECTED 20u
/** \brief Syntax: '>' expected. */
#define MW_SMTP_ERR_PATH_END_EXPECTED 21u
/** \brief Syntax: the null path is not allowed here. */
#define MW_SMTP_ERR_NULL_PATH 22u
/** \brief Syntax: malformed local part. */
#define MW_SMTP_ERR_BAD_LOCAL 23u
/** \brief Syntax: '@' expected. */
#define MW_SMTP_ERR_AT_EXPECTED 24u
/** \brief Syntax: malformed domain. */
#define MW_SMTP_ERR_BAD_DOMAIN 25u
/** \brief Syntax: malformed address literal. */
#define MW_SMTP_ERR_BAD_LITERAL 26u
/** \brief Syntax: malformed source route. */
#define MW_SMTP_ERR_BAD_ROUTE 27u
/** \brief Syntax: malformed parameter. */
#define MW_SMTP_ERR_BAD_PARAM 28u
/** \brief Syntax: bad value of a known parameter. */
#define MW_SMTP_ERR_BAD_PARAM_VALUE 29u
/** \brief Syntax: a known parameter given twice. */
#define MW_SMTP_ERR_DUP_PARAM 30u
/** \brief Syntax: malformed or out-of-range number. */
#define MW_SMTP_ERR_BAD_NUMBER 31u
/** \brief Syntax: malformed SASL mechanism name. */
#define MW_SMTP_ERR_BAD_MECHANISM 32u
/** \brief Syntax: the initial response is not base64 or "=". */
#define MW_SMTP_ERR_BAD_RESPONSE 33u
/** \brief Syntax: text after the argument. */
#define MW_SMTP_ERR_TRAILING 34u
/** \brief Syntax: malformed reply code. */
#define MW_SMTP_ERR_BAD_CODE 35u
/** \brief Syntax: '-' or space expected after the reply code. */
#define MW_SMTP_ERR_BAD_SEPARATOR 36u
/** \brief Syntax: the code changed within a multi-line reply. */
#define MW_SMTP_ERR_CODE_MISMATCH 37u
/** \brief Syntax: malformed xtext (RFC 3461 section 4). */
#define MW_SMTP_ERR_BAD_XTEXT 38u

/**
 * \brief Why a line was refused, for logs and for a server's reply.
 */
typedef struct mw_smtp_parse_error {
    uint32_t reason;      /**< MW_SMTP_ERR_* code. */
    uint16_t reply_code;  /**< Suggested reply: 500, 501 or 0 (replies). */
    uint16_t reserved;    /**< Zero. */
    uint64_t offset;      /**< Offset of the offending byte in the line. */
    const char *text;     /**< Short static description, never NULL. */
    const char *enhanced; /**< Suggested RFC 3463 code, e.g. "5.5.2". */
} mw_smtp_parse_error;

/**
 * \brief Short description of an MW_SMTP_ERR_* reason.
 * \return A static string; "unknown error" for unknown reasons.
 */
MW_API const char *mw_smtp_error_text(uint32_t reason);

/* ------------------------------------------------------------------ */
/* Commands                                                            */
/* ------------------------------------------------------------------ */

/** \brief Verb: a syntactically valid command mailwire does not know. */
#define MW_SMTP_VERB_UNKNOWN 0u
/** \brief Verb HELO. */
#define MW_SMTP_VERB_HELO 1u
/** \brief Verb EHLO. */
#define MW_SMTP_VERB_EHLO 2u
/** \brief Verb LHLO (LMTP, RFC 2033). */
#define MW_SMTP_VERB_LHLO 3u
/** \brief Verb MAIL. */
#define MW_SMTP_VERB_MAIL 4u
/** \brief Verb RCPT. */
#define MW_SMTP_VERB_RCPT 5u
/** \brief Verb DATA. */
#define MW_SMTP_VERB_DATA 6u
/** \brief Verb BDAT (RFC 3030). */
#define MW_SMTP_VERB_BDAT 7u
/** \brief Verb RSET. */
#define MW_SMTP_VERB_RSET 8u
/** \brief Verb VRFY. */
#define MW_SMTP_VERB_VRFY 9u
/** \brief Verb EXPN. */
#define MW_SMTP_VERB_EXPN 10u
/** \brief Verb HELP. */
#define MW_SMTP_VERB_HELP 11u
/** \brief Verb NOOP. */
#define MW_SMTP_VERB_NOOP 12u
/** \brief Verb QUIT. */
#define MW_SMTP_VERB_QUIT 13u
/** \brief Verb STARTTLS (RFC 3207). */
#define MW_SMTP_VERB_STARTTLS 14u
/** \brief Verb AUTH (RFC 4954). */
#define MW_SMTP_VERB_AUTH 15u

/** \brief Path flag: the null path "<>" (MAIL only). */
#define MW_SMTP_PATH_NULL 0x1u
/** \brief Path flag: "<Postmaster>" without a domain (RCPT only). */
#define MW_SMTP_PATH_POSTMASTER 0x2u
/** \brief Path flag: the local part is a quoted-string. */
#define MW_SMTP_PATH_QUOTED 0x4u
/** \brief Path flag: the path contains bytes above 0x7F. */
#define MW_SMTP_PATH_UTF8 0x8u
/** \brief Path flag: the domain is an IPv4 address literal. */
#define MW_SMTP_PATH_IPV4 0x10u
/** \brief Path flag: the domain is an IPv6 address literal. */
#define MW_SMTP_PATH_IPV6 0x20u
/** \brief Path flag: the domain is a general address literal. */
#define MW_SMTP_PATH_GENERAL 0x40u
/** \brief Path flag (wire form): a source route was sent and ignored
 *         (RFC 5321 4.1.1.3 / appendix C). */
#define MW_SMTP_PATH_ROUTE 0x100u
/** \brief Path flag for the writer only: \c local holds the local part's
 *         value, not its wire form; the writer sends it as a dot-string
 *         when it is one and as a quoted-string otherwise. */
#define MW_SMTP_PATH_LOCAL_RAW 0x200u

/**
 * \brief A reverse-path or forward-path.
 *
 * \c local is the local part in wire form (a quoted-string keeps its
 * quotes and backslashes; decode it with mw_smtp_local_decode()).
 * \c domain is the domain or the whole address literal with its brackets.
 */
typedef struct mw_smtp_path {
    mw_span local;  /**< Local part as sent; empty for "<>". */
    mw_span domain; /**< Domain or "[literal]"; empty for "<>" and
                         "<Postmaster>". */
    mw_span route;  /**< Source route as sent ("@a,@b"), ignored. */
    uint32_t flags; /**< MW_SMTP_PATH_* flags. */
} mw_smtp_path;

/** \brief Most unknown parameters kept per command. */
#define MW_SMTP_PARAMS_MAX 8u

/** \brief An ESMTP parameter (name and optional value, as sent). */
typedef struct mw_smtp_param {
    mw_span name;  /**< esmtp-keyword. */
    mw_span value; /**< esmtp-value; empty when there is no "=". */
} mw_smtp_param;

/** \brief Known parameter seen: SIZE= (MAIL, RFC 1870). */
#define MW_SMTP_P_SIZE 0x1u
/** \brief Known parameter seen: BODY= (MAIL, RFC 6152 / RFC 3030). */
#define MW_SMTP_P_BODY 0x2u
/** \brief Known parameter seen: SMTPUTF8 (MAIL, RFC 6531). */
#define MW_SMTP_P_SMTPUTF8 0x4u
/** \brief Known parameter seen: RET= (MAIL, RFC 3461). */
#define MW_SMTP_P_RET 0x8u
/** \brief Known parameter seen: ENVID= (MAIL, RFC 3461). */
#define MW_SMTP_P_ENVID 0x10u
/** \brief Known parameter seen: AUTH= (MAIL, RFC 4954). */
#define MW_SMTP_P_AUTH 0x20u
/** \brief Known parameter seen: REQUIRETLS (MAIL, RFC 8689). */
#define MW_SMTP_P_REQUIRETLS 0x40u
/** \brief Known parameter seen: NOTIFY= (RCPT, RFC 3461). */
#define MW_SMTP_P_NOTIFY 0x80u
/** \brief Known parameter seen: ORCPT= (RCPT, RFC 3461). */
#define MW_SMTP_P_ORCPT 0x100u

/** \brief BODY= value: 7BIT. */
#define MW_SMTP_BODY_7BIT 1u
/** \brief BODY= value: 8BITMIME. */
#define MW_SMTP_BODY_8BITMIME 2u
/** \brief BODY= value: BINARYMIME. */
#define MW_SMTP_BODY_BINARYMIME 3u

/** \brief RET= value: FULL. */
#define MW_SMTP_RET_FULL 1u
/** \brief RET= value: HDRS. */
#define MW_SMTP_RET_HDRS 2u

/** \brief NOTIFY= bit: NEVER (alone). */
#define MW_SMTP_NOTIFY_NEVER 0x1u
/** \brief NOTIFY= bit: SUCCESS. */
#define MW_SMTP_NOTIFY_SUCCESS 0x2u
/** \brief NOTIFY= bit: FAILURE. */
#define MW_SMTP_NOTIFY_FAILURE 0x4u
/** \brief NOTIFY= bit: DELAY. */
#define MW_SMTP_NOTIFY_DELAY 0x8u

/** \brief Command flag: BDAT ... LAST. */
#define MW_SMTP_CMD_F_LAST 0x1u
/** \brief Command flag: the HELO/EHLO/LHLO argument is an address
 *         literal. */
#define MW_SMTP_CMD_F_LITERAL 0x2u
/** \brief Command flag (wire form): a space after "FROM:" / "TO:"
 *         (widely sent, tolerated). */
#define MW_SMTP_CMD_F_SPACE_AFTER_COLON 0x100u
/** \brief Command flag (wire form): extra spaces between or after
 *         arguments (tolerated). */
#define MW_SMTP_CMD_F_EXTRA_SPACE 0x200u
/** \brief Command flag (wire form): the line did not end in CRLF. */
#define MW_SMTP_CMD_F_BARE_LF 0x400u
/** \brief The command flags that describe how the line was sent; the
 *         writer never reproduces them. */
#define MW_SMTP_CMD_F_WIRE_MASK 0xff00u

/**
 * \brief One SMTP command.
 *
 * Fill it by mw_smtp_cmd_parse() or by hand (zero it first) for
 * mw_smtp_cmd_write(). After parsing, every span points into the parsed
 * line and is valid as long as that line is.
 *
 * Which fields a verb uses:
 * - HELO, EHLO, LHLO: \c arg (domain or address literal).
 * - MAIL, RCPT: \c path, \c pflags and the parameter fields; unknown
 *   parameters (and the RCPT ones on MAIL, the MAIL ones on RCPT) in
 *   \c params.
 * - BDAT: \c number, #MW_SMTP_CMD_F_LAST.
 * - VRFY, EXPN (required), HELP, NOOP (optional): \c arg, the rest of the
 *   line.
 * - AUTH: \c arg mechanism, \c arg2 initial response ("=" means empty).
 * - Unknown: \c verb_text and \c arg (the rest of the line).
 */
typedef struct mw_smtp_cmd {
    uint32_t verb;      /**< MW_SMTP_VERB_*. */
    uint32_t flags;     /**< MW_SMTP_CMD_F_*. */
    mw_span verb_text;  /**< The verb as sent (writer: unknown verbs). */
    mw_span arg;        /**< First argument (see above). */
    mw_span arg2;       /**< AUTH initial response. */
    uint64_t number;    /**< BDAT chunk size. */
    mw_smtp_path path;  /**< MAIL / RCPT path. */
    uint32_t pflags;    /**< MW_SMTP_P_*: which known parameters. */
    uint32_t body;      /**< MW_SMTP_BODY_* when MW_SMTP_P_BODY. */
    uint32_t ret;       /**< MW_SMTP_RET_* when MW_SMTP_P_RET. */
    uint32_t notify;    /**< MW_SMTP_NOTIFY_* when MW_SMTP_P_NOTIFY. */
    uint64_t size;      /**< SIZE= value. */
    mw_span envid;      /**< ENVID= value (xtext, not decoded). */
    mw_span auth;       /**< MAIL AUTH= value (xtext or "<>"). */
    mw_span orcpt_type; /**< ORCPT= address type ("rfc822"). */
    mw_span orcpt_addr; /**< ORCPT= address (xtext, not decoded). */
    uint32_t n_params;  /**< Number of entries in \c params. */
    mw_smtp_param params[MW_SMTP_PARAMS_MAX]; /**< Unknown parameters. */
} mw_smtp_cmd;

/**
 * \brief Parse one command line.
 *
 * \param line The line without its line end (any bytes; NULL only when
 *        \p len is 0).
 * \param len Length of \p line.
 * \param line_flags #MW_SMTP_LINE_CRLF when the line ended in CRLF.
 * \param cfg Settings, or NULL for the defaults.
 * \param out Receives the command; its spans point into \p line. On error
 *        its contents are unspecified.
 * \param err_out Optional; receives the reason and offset on error.
 * \return #MW_OK (also for an unknown but well-formed verb,
 *         #MW_SMTP_VERB_UNKNOWN), #MW_E_SYNTAX, #MW_E_LIMIT (line, local
 *         part, domain, path or parameter count over its limit; the reason
 *         says which), #MW_E_ARG (NULL \p out).
 */
MW_API mw_status mw_smtp_cmd_parse(const char *line, size_t len,
                                   uint32_t line_flags,
                                   const mw_smtp_codec_config *cfg,
                                   mw_smtp_cmd *out,
                                   mw_smtp_parse_error *err_out);

/**
 * \brief Append a command line with its CRLF to \p out, all or nothing.
 *
 * Known verbs are written in upper case, known parameters in a fixed
 * order before the unknown ones, the wire-form flags are ignored and a
 * source route is dropped. The written line parses back, with the same
 * \p cfg, to a command equal to \p cmd by mw_smtp_cmd_equal().
 *
 * \param cmd The command.
 * \param cfg The settings the peer parses with (limits, UTF-8), or NULL.
 * \param out Output buffer.
 * \return #MW_OK; #MW_E_CRLF when an argument contains CR, LF or NUL;
 *         #MW_E_ARG when an argument would not parse back the same
 *         (malformed path, bad parameter, unknown verb spelled like a
 *         known one, 8-bit data without #MW_SMTP_CODEC_UTF8, ...);
 *         #MW_E_LIMIT when the line, path, local part or domain is over
 *         its limit; #MW_E_NOSPACE / #MW_E_NOMEM from \p out.
 */
MW_API mw_status mw_smtp_cmd_write(const mw_smtp_cmd *cmd,
                                   const mw_smtp_codec_config *cfg,
                                   mw_buf *out);

/**
 * \brief Whether two commands mean the same, ignoring how they were sent
 *        (the wire-form flags, the case of known verbs and parameter
 *        names, a source route, spans of fields the verb does not use).
 * \return 1 when equal, 0 otherwise.
 */
MW_API int mw_smtp_cmd_equal(const mw_smtp_cmd *a, const mw_smtp_cmd *b);

/**
 * \brief Name of a verb ("MAIL"), or "" for #MW_SMTP_VERB_UNKNOWN and
 *        out-of-range values.
 * \return A static string.
 */
MW_API const char *mw_smtp_verb_name(uint32_t verb);

/**
 * \brief Append the value of a local part in wire form (dot-string or
 *        quoted-string) to \p out, removing quotes and quoted-pairs.
 * \return #MW_OK, #MW_E_SYNTAX (not a valid quoted-string),
 *         #MW_E_NOSPACE / #MW_E_NOMEM.
 */
MW_API mw_status mw_smtp_local_decode(const char *local, size_t len,
                                      mw_buf *out);

/**
 * \brief Append the wire form of a local part's value: itself when it is a
 *        dot-string, else a quoted-string with quoted-pairs where needed.
 * \param value The local part's value (not NUL-terminated).
 * \param len Length of \p value.
 * \param utf8 Nonzero to allow UTF-8 (RFC 6531).
 * \param out Buffer to append to.
 * \return #MW_OK, #MW_E_CRLF (CR, LF or NUL), #MW_E_ARG (other control
 *         character, 8-bit without \p utf8 or invalid UTF-8),
 *         #MW_E_NOSPACE / #MW_E_NOMEM.
 */
MW_API mw_status mw_smtp_local_encode(const char *value, size_t len, int utf8,
                                      mw_buf *out);

/**
 * \brief Decode xtext (RFC 3461 section 4), e.g. an ENVID or ORCPT value.
 *        Lower-case hex digits after '+' are accepted.
 * \return #MW_OK, #MW_E_SYNTAX (bad "+XX" or a byte that is not xchar),
 *         #MW_E_NOSPACE / #MW_E_NOMEM (nothing appended).
 */
MW_API mw_status mw_smtp_xtext_decode(const char *in, size_t len, mw_buf *out);

/**
 * \brief Encode bytes as xtext: '+', '=' and bytes outside 0x21..0x7E
 *        become "+XX".
 * \return #MW_OK, #MW_E_NOSPACE / #MW_E_NOMEM (nothing appended).
 */
MW_API mw_status mw_smtp_xtext_encode(const void *in, size_t len, mw_buf *out);

/* ------------------------------------------------------------------ */
/* Replies                                                             */
/* ------------------------------------------------------------------ */

/** \brief An RFC 3463 enhanced status code class.subject.detail. */
typedef struct mw_smtp_enhanced {
    uint16_t cls;     /**< 2, 4 or 5. */
    uint16_t subject; /**< 0..999. */
    uint16_t detail;  /**< 0..999. */
} mw_smtp_enhanced;

/**
 * \brief A complete reply, read from the reply parser.
 *
 * An enhanced code is recognised when a line's text starts with
 * class.subject.detail whose class equals the first digit of the reply
 * code, followed by a space or the end of the line (whether or not the
 * server announced ENHANCEDSTATUSCODES). It is removed from the first line
 * and from every following line that starts with the same code.
 */
typedef struct mw_smtp_reply {
    uint16_t code;             /**< 200..599. */
    uint16_t has_enhanced;     /**< 1 when \c enhanced is set. */
    mw_smtp_enhanced enhanced; /**< Enhanced code of the first line. */
    uint32_t n_lines;          /**< Number of text lines (at least 1). */
    const mw_span *lines;      /**< Text after "NNN-"/"NNN " (and the
                                    enhanced code), possibly empty. */
} mw_smtp_reply;

/** \brief Incremental multi-line reply assembler (opaque). */
typedef struct mw_smtp_reply_parser mw_smtp_reply_parser;

/**
 * \brief Bytes needed to place a reply parser with \p cfg in caller
 *        storage (see mw_smtp_reply_parser_init_in()).
 * \return The size; never 0.
 */
MW_API size_t mw_smtp_reply_parser_sizeof(const mw_smtp_codec_config *cfg);

/**
 * \brief Create a reply parser bounded by \p cfg's reply limits.
 * \param cfg Settings, or NULL; only read during the call.
 * \param allocator Allocator, or NULL for libc; must outlive the parser.
 * \param out Receives the parser.
 * \return #MW_OK, #MW_E_NOMEM, #MW_E_ARG (NULL \p out).
 */
MW_API mw_status mw_smtp_reply_parser_new(const mw_smtp_codec_config *cfg,
                                          const mw_allocator *allocator,
                                          mw_smtp_reply_parser **out);

/**
 * \brief Place a reply parser in caller storage (no heap).
 * \param mem At least mw_smtp_reply_parser_sizeof(cfg) bytes, aligned for
 *        any object (as malloc would); must outlive the parser.
 * \param len Size of \p mem.
 * \param cfg Settings, or NULL; only read during the call.
 * \param out Receives the parser (which is \p mem).
 * \return #MW_OK, #MW_E_ARG (NULL, too small or misaligned \p mem).
 */
MW_API mw_status mw_smtp_reply_parser_init_in(void *mem, size_t len,
                                              const mw_smtp_codec_config *cfg,
                                              mw_smtp_reply_parser **out);

/** \brief Free a parser made by mw_smtp_reply_parser_new(); NULL and
 *         parsers placed with mw_smtp_reply_parser_init_in() are ignored. */
MW_API void mw_smtp_reply_parser_free(mw_smtp_reply_parser *p);

/** \brief Drop any partial reply; the next line starts a new one. */
MW_API void mw_smtp_reply_parser_reset(mw_smtp_reply_parser *p);

/**
 * \brief Feed one reply line (without its line end).
 *
 * The line is copied; it need not outlive the call. After #MW_OK the next
 * feed starts a new reply. After an error the partial reply is dropped.
 *
 * \param p The parser.
 * \param line The line without its line end.
 * \param len Length of \p line.
 * \param line_flags #MW_SMTP_LINE_CRLF when the line ended in CRLF.
 * \param err_out Optional; receives the reason and offset on error.
 * \return #MW_NEED_MORE after a continuation line ("250-..."), #MW_OK when
 *         a final line completed the reply, #MW_E_SYNTAX (bad code,
 *         missing separator, code changed within the reply, CR/LF/NUL in
 *         the text), #MW_E_LIMIT (line, line count or text over the
 *         limits), #MW_E_ARG (NULL \p p).
 */
MW_API mw_status mw_smtp_reply_parser_feed(mw_smtp_reply_parser *p,
                                           const char *line, size_t len,
                                           uint32_t line_flags,
                                           mw_smtp_parse_error *err_out);

/**
 * \brief Read the reply completed by the last feed.
 * \param p The parser.
 * \param out Receives the reply; its line spans point into the parser and
 *        stay valid until the next feed, reset or free.
 * \return #MW_OK, #MW_E_STATE (no complete reply), #MW_E_ARG.
 */
MW_API mw_status mw_smtp_reply_parser_get(const mw_smtp_reply_parser *p,
                                          mw_smtp_reply *out);

/**
 * \brief Append a reply: one line per entry of \p lines, each "NNN-" but
 *        the last "NNN ", the enhanced code (when given) after the
 *        separator of every line, all or nothing.
 *
 * A text line that would make a reply line longer than 512 bytes (CRLF
 * included) is wrapped at a space (or, with no space, between UTF-8
 * characters) into several lines. An empty text gives "NNN" alone.
 *
 * \param code 200..599 (first digit 2 to 5).
 * \param enhanced Enhanced code or NULL; its class must equal the first
 *        digit of \p code, subject and detail at most 999.
 * \param lines Text lines; NULL only when \p n_lines is 0 (one empty
 *        line).
 * \param n_lines Number of lines.
 * \param out Output buffer.
 * \return #MW_OK, #MW_E_CRLF (CR, LF or NUL in a line), #MW_E_ARG (bad
 *         code or enhanced code), #MW_E_NOSPACE / #MW_E_NOMEM.
 */
MW_API mw_status mw_smtp_reply_write(uint32_t code,
                                     const mw_smtp_enhanced *enhanced,
                                     const mw_span *lines, size_t n_lines,
                                     mw_buf *out);

/* ------------------------------------------------------------------ */
/* EHLO capabilities                                                   */
/* ------------------------------------------------------------------ */

/** \brief Capability: SIZE (RFC 1870). */
#define MW_SMTP_CAP_SIZE 0x1u
/** \brief Capability: PIPELINING (RFC 2920). */
#define MW_SMTP_CAP_PIPELINING 0x2u
/** \brief Capability: 8BITMIME (RFC 6152). */
#define MW_SMTP_CAP_8BITMIME 0x4u
/** \brief Capability: SMTPUTF8 (RFC 6531). */
#define MW_SMTP_CAP_SMTPUTF8 0x8u
/** \brief Capability: STARTTLS (RFC 3207). */
#define MW_SMTP_CAP_STARTTLS 0x10u
/** \brief Capability: AUTH (RFC 4954). */
#define MW_SMTP_CAP_AUTH 0x20u
/** \brief Capability: CHUNKING (RFC 3030). */
#define MW_SMTP_CAP_CHUNKING 0x40u
/** \brief Capability: BINARYMIME (RFC 3030). */
#define MW_SMTP_CAP_BINARYMIME 0x80u
/** \brief Capability: DSN (RFC 3461). */
#define MW_SMTP_CAP_DSN 0x100u
/** \brief Capability: ENHANCEDSTATUSCODES (RFC 2034). */
#define MW_SMTP_CAP_ENHANCEDSTATUSCODES 0x200u
/** \brief Capability: REQUIRETLS (RFC 8689). */
#define MW_SMTP_CAP_REQUIRETLS 0x400u
/** \brief Capability: the pre-standard "AUTH=mech ..." line was sent
 *         (the writer sends it too, for old Outlook clients). */
#define MW_SMTP_CAP_AUTH_LEGACY 0x800u

/** \brief SASL mechanism bit: PLAIN. */
#define MW_SMTP_AUTH_PLAIN 0x1u
/** \brief SASL mechanism bit: LOGIN. */
#define MW_SMTP_AUTH_LOGIN 0x2u
/** \brief SASL mechanism bit: CRAM-MD5. */
#define MW_SMTP_AUTH_CRAM_MD5 0x4u
/** \brief SASL mechanism bit: DIGEST-MD5. */
#define MW_SMTP_AUTH_DIGEST_MD5 0x8u
/** \brief SASL mechanism bit: XOAUTH2. */
#define MW_SMTP_AUTH_XOAUTH2 0x10u
/** \brief SASL mechanism bit: OAUTHBEARER. */
#define MW_SMTP_AUTH_OAUTHBEARER 0x20u
/** \brief SASL mechanism bit: EXTERNAL. */
#define MW_SMTP_AUTH_EXTERNAL 0x40u
/** \brief SASL mechanism bit: SCRAM-SHA-1. */
#define MW_SMTP_AUTH_SCRAM_SHA_1 0x80u
/** \brief SASL mechanism bit: SCRAM-SHA-1-PLUS. */
#define MW_SMTP_AUTH_SCRAM_SHA_1_PLUS 0x100u
/** \brief SASL mechanism bit: SCRAM-SHA-256. */
#define MW_SMTP_AUTH_SCRAM_SHA_256 0x200u
/** \brief SASL mechanism bit: SCRAM-SHA-256-PLUS. */
#define MW_SMTP_AUTH_SCRAM_SHA_256_PLUS 0x400u
/** \brief SASL mechanism bit: GSSAPI. */
#define MW_SMTP_AUTH_GSSAPI 0x800u
/** \brief SASL mechanism bit: NTLM. */
#define MW_SMTP_AUTH_NTLM 0x1000u
/** \brief SASL mechanism bit: ANONYMOUS. */
#define MW_SMTP_AUTH_ANONYMOUS 0x2000u

/** \brief Most AUTH mechanisms kept by name. */
#define MW_SMTP_CAPS_MECHS_MAX 24u
/** \brief Most unknown EHLO keywords kept. */
#define MW_SMTP_CAPS_EXT_MAX 16u

/** \brief An EHLO keyword line mailwire does not interpret. */
typedef struct mw_smtp_ehlo_ext {
    mw_span keyword; /**< ehlo-keyword as sent. */
    mw_span params;  /**< Everything after the first space, as sent. */
} mw_smtp_ehlo_ext;

/**
 * \brief What a server announced in its EHLO (or LHLO) reply.
 *
 * Spans point into the reply it was parsed from (see
 * mw_smtp_caps_parse()).
 */
typedef struct mw_smtp_caps {
    uint32_t flags;     /**< MW_SMTP_CAP_* bits. */
    uint32_t auth;      /**< MW_SMTP_AUTH_* bits of known mechanisms. */
    uint64_t size_max;  /**< SIZE value; 0 = no limit announced. */
    mw_span domain;     /**< First word of the first line. */
    mw_span greeting;   /**< Rest of the first line after one space. */
    uint32_t n_mechs;   /**< Entries in \c mechs. */
    uint32_t n_ext;     /**< Entries in \c ext. */
    uint32_t n_dropped; /**< Malformed lines and mechanisms, and entries
                             beyond the bounds, that were not kept. */
    uint32_t reserved;  /**< Zero. */
    mw_span mechs[MW_SMTP_CAPS_MECHS_MAX];      /**< AUTH mechanisms, in order,
                                                     without duplicates. */
    mw_smtp_ehlo_ext ext[MW_SMTP_CAPS_EXT_MAX]; /**< Unknown keywords. */
} mw_smtp_caps;

/**
 * \brief Read the capabilities from a complete 2xx reply to EHLO or LHLO.
 *
 * Keywords are matched without regard to case. Known keywords that carry
 * unexpected parameters are still recognised; "SIZE" with a value that is
 * not a number counts as no limit announced.
 *
 * \param reply A reply from mw_smtp_reply_parser_get(); \p out's spans
 *        point into its lines and share their lifetime.
 * \param out Receives the capabilities.
 * \return #MW_OK, #MW_E_ARG (NULL argument or a code that is not 2xx).
 */
MW_API mw_status mw_smtp_caps_parse(const mw_smtp_reply *reply,
                                    mw_smtp_caps *out);

/**
 * \brief Append a server's 250 reply to EHLO built from \p caps: the
 *        domain and greeting, then the known keywords in a fixed order
 *        (AUTH with the \c mechs names, or the names of the \c auth bits
 *        when \c mechs is empty), then the unknown ones; all or nothing.
 * \return #MW_OK, #MW_E_CRLF (CR, LF or NUL in a field), #MW_E_ARG (empty
 *         or malformed domain, keyword or mechanism, a line over 512
 *         bytes), #MW_E_NOSPACE / #MW_E_NOMEM.
 */
MW_API mw_status mw_smtp_caps_write(const mw_smtp_caps *caps, mw_buf *out);

/**
 * \brief The MW_SMTP_AUTH_* bit of a SASL mechanism name (any case).
 * \return The bit, or 0 for a mechanism without one.
 */
MW_API uint32_t mw_smtp_auth_mech_bit(const char *name, size_t len);

#ifdef __cplusplus
}
#endif

#endif /* MAILWIRE_SMTP_H */
