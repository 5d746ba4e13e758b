/**
 * \file build.h
 * \brief Streaming RFC 5322 / MIME message builder (sans-IO, constant
 *        memory).
 *
 * The caller declares the header fields, then walks the part tree in
 * document order (begin a multipart, begin a leaf, write its content in
 * chunks, end it, ...) and drains the serialized message in chunks with
 * mw_builder_read() or mw_builder_output() / mw_builder_output_done().
 * Content is encoded as it arrives, so a part of any size goes through a
 * bounded amount of memory: mw_builder_write() consumes input only while
 * less than #MW_BUILD_SOFT_OUTPUT bytes of output are waiting.
 *
 * \par Transfer encoding rule (per leaf, #MW_BUILD_CTE_AUTO)
 * The builder holds back the first \c window bytes of a leaf (default
 * #MW_BUILD_WINDOW_DEFAULT) before writing the leaf's header, and decides
 * from them:
 *  - text/ *: 7bit when the whole part fits in the window and has no
 *    byte >= 0x80, no NUL, no CR without LF, no line over 998 bytes, no
 *    line starting with "--=_", and (at the top level) ends with a line
 *    break or is empty; with #MW_BUILD_8BITMIME the same except that bytes
 *    >= 0x80 give 8bit. Otherwise quoted-printable when at most one byte in
 *    six of the window is >= 0x80 and there is no NUL, else base64.
 *  - message/rfc822 and message/global: 7bit, or 8bit when
 *    #MW_BUILD_8BITMIME is set and the window holds a byte >= 0x80 or the
 *    part is larger than the window. These parts are never encoded (RFC
 *    2046 5.2.1), so a NUL, a line over 998 bytes, a byte >= 0x80 without
 *    8BITMIME or an enclosing delimiter in them fails with #MW_E_ENCODING.
 *  - anything else: base64.
 * So auto mode only writes an identity encoding when the decoded body is
 * exactly the (line-normalised) input. The caller can force an encoding
 * with mw_build_part::encoding; forced 7bit/8bit data is checked as it
 * streams and a violation fails the builder with #MW_E_ENCODING.
 *
 * \par Line breaks
 * text/ * and message/ * content is canonicalised: a LF not preceded by CR
 * becomes CRLF (RFC 2046 4.1.1). Other content is encoded byte for byte.
 * Every line the builder writes ends in CRLF, and the message ends with
 * one: a top-level quoted-printable leaf gets a final soft line break
 * (decoding unchanged); a forced 7bit or 8bit top-level leaf that does not
 * end in a line break gets CRLF appended.
 *
 * \par Boundaries
 * A boundary is "=_" followed by 16 characters derived from the caller's
 * random bytes (mw_builder_config::random), "_" and the four hex digits of
 * the multipart's index in the message, so all boundaries of a message have
 * the same length and differ from each other. "=_" cannot occur in base64
 * output (neither '-' nor '_' is in its alphabet) nor in quoted-printable
 * output (an '=' there is always followed by two hex digits or a line
 * break), so encoded content can never contain a delimiter line. 7bit and
 * 8bit content is checked line by line against the delimiters of every
 * enclosing multipart; auto mode avoids identity encodings for text with a
 * line starting "--=_", and a forced identity part or a message/rfc822
 * part holding such a delimiter is refused with #MW_E_ENCODING.
 *
 * \par Safety
 * CR, LF or NUL in any header name, value, address, display name,
 * filename or Content-ID is refused with #MW_E_CRLF and nothing is
 * written (no header injection). Header lines are folded at whitespace to
 * stay within 78 columns where possible; a line that would exceed 998
 * bytes is refused with #MW_E_LIMIT.
 */
#ifndef MAILWIRE_BUILD_H
#define MAILWIRE_BUILD_H

#include <stddef.h>
#include <stdint.h>

#include "mailwire/core.h"
#include "mailwire/msg.h"

#ifdef __cplusplus
extern "C" {
#endif

/** \brief Config flag: the transport supports 8BITMIME (RFC 6152), so
 *         8bit content may be written unencoded. */
#define MW_BUILD_8BITMIME 0x1u
/** \brief Config flag: the message goes out under SMTPUTF8 (RFC 6531 /
 *         6532): non-ASCII header text and addresses are written as raw
 *         UTF-8 instead of RFC 2047 encoded words. */
#define MW_BUILD_SMTPUTF8 0x2u

/** \brief Default decision window of a leaf, in bytes. */
#define MW_BUILD_WINDOW_DEFAULT 8192u
/** \brief Output level above which mw_builder_write() stops consuming. */
#define MW_BUILD_SOFT_OUTPUT 16384u

/** \brief Builder configuration. A NULL configuration means defaults. */
typedef struct mw_builder_config {
    uint32_t size;  /**< sizeof(mw_builder_config) as the caller knew it. */
    uint32_t flags; /**< #MW_BUILD_8BITMIME, #MW_BUILD_SMTPUTF8. */
    /** Random bytes the boundaries are derived from (copied; NULL with
     *  random_len 0 gives fixed boundaries, which is safe but predictable).
     *  16 bytes from a good source are plenty. */
    const void *random;
    size_t random_len; /**< Length of \c random. */
    /** Limits (NULL: defaults): mime_depth_max bounds multipart nesting,
     *  mime_parts_max the number of entities. Read only by
     *  mw_builder_new(). */
    const mw_limits *limits;
    /** Decision window per leaf in bytes (0: #MW_BUILD_WINDOW_DEFAULT). */
    uint32_t window;
} mw_builder_config;

/** \brief Opaque message builder. */
typedef struct mw_builder mw_builder;

/** \name Address and msg-id fields (mw_builder_add_address(),
 *        mw_builder_add_msgid())
 * @{ */
#define MW_BUILD_FROM 1u        /**< From (one or more mailboxes). */
#define MW_BUILD_SENDER 2u      /**< Sender (one mailbox). */
#define MW_BUILD_TO 3u          /**< To. */
#define MW_BUILD_CC 4u          /**< Cc. */
#define MW_BUILD_BCC 5u         /**< Bcc: envelope only, never written. */
#define MW_BUILD_REPLY_TO 6u    /**< Reply-To. */
#define MW_BUILD_IN_REPLY_TO 7u /**< In-Reply-To (msg-ids). */
#define MW_BUILD_REFERENCES 8u  /**< References (msg-ids). */
/** @} */

/** \name Transfer encodings (mw_build_part::encoding)
 * @{ */
#define MW_BUILD_CTE_AUTO 0u   /**< Decide by the rule in build.h. */
#define MW_BUILD_CTE_7BIT 1u   /**< 7bit (checked while streaming). */
#define MW_BUILD_CTE_8BIT 2u   /**< 8bit (needs #MW_BUILD_8BITMIME). */
#define MW_BUILD_CTE_QP 3u     /**< quoted-printable. */
#define MW_BUILD_CTE_BASE64 4u /**< base64. */
/** @} */

/** \name Dispositions (mw_build_part::disposition)
 * @{ */
#define MW_BUILD_DISP_NONE 0u       /**< No Content-Disposition field. */
#define MW_BUILD_DISP_INLINE 1u     /**< Content-Disposition: inline. */
#define MW_BUILD_DISP_ATTACHMENT 2u /**< Content-Disposition: attachment. */
/** @} */

/** \brief Description of one leaf part (mw_builder_begin_part()). */
typedef struct mw_build_part {
    /** "type/subtype" (NUL-terminated, RFC 2045 tokens); NULL means
     *  text/plain. */
    const char *content_type;
    /** Charset parameter of text/ * parts (NUL-terminated token); NULL
     *  means "utf-8". Ignored for other types. */
    const char *charset;
    uint32_t encoding;    /**< MW_BUILD_CTE_*. */
    uint32_t disposition; /**< MW_BUILD_DISP_*. */
    /** UTF-8 file name (written RFC 2231-encoded when it is not short
     *  printable ASCII); NULL when filename_len is 0. */
    const char *filename;
    size_t filename_len; /**< Length of \c filename (0: none). */
    /** Content-ID without angle brackets (`left@right`); NULL when
     *  content_id_len is 0. */
    const char *content_id;
    size_t content_id_len; /**< Length of \c content_id (0: none). */
} mw_build_part;

/**
 * \brief Content source for mw_builder_write_from().
 * \param ud The user pointer given to mw_builder_write_from().
 * \param buf Where to store the bytes.
 * \param cap Room in \p buf (> 0).
 * \param n_out Receives the number of bytes stored.
 * \return #MW_OK (n_out > 0 bytes stored), #MW_DONE (end of content), or
 *         any error status, which mw_builder_write_from() returns.
 */
typedef mw_status (*mw_build_read_fn)(void *ud, char *buf, size_t cap,
                                      size_t *n_out);

/**
 * \brief Create a builder.
 * \param cfg Configuration or NULL (copied; not kept).
 * \param a Allocator or NULL for libc; must outlive the builder.
 * \param out Receives the builder; free it with mw_builder_free().
 * \return #MW_OK, #MW_E_NOMEM, #MW_E_ARG (\p out NULL, unknown flag, bad
 *         window).
 */
MW_API mw_status mw_builder_new(const mw_builder_config *cfg,
                                const mw_allocator *a, mw_builder **out);

/** \brief Free a builder and everything it holds; NULL is allowed. */
MW_API void mw_builder_free(mw_builder *b);

/**
 * \brief Add a mailbox to an address field (From, Sender, To, Cc, Bcc,
 *        Reply-To). To, Cc and Bcc addresses are also recorded as
 *        envelope recipients (mw_builder_recipient()); Bcc is never
 *        written into the message.
 * \param b The builder (before the body is begun).
 * \param field MW_BUILD_FROM .. MW_BUILD_REPLY_TO.
 * \param name UTF-8 display name; may be NULL when \p name_len is 0.
 * \param name_len Length of \p name (0: none).
 * \param addr Canonical addr-spec (`local@domain`).
 * \param addr_len Length of \p addr.
 * \return #MW_OK; #MW_E_CRLF (CR, LF or NUL in name or address);
 *         #MW_E_SYNTAX (invalid addr-spec); #MW_E_ENCODING (invalid UTF-8,
 *         or a non-ASCII address without #MW_BUILD_SMTPUTF8); #MW_E_STATE
 *         (body already begun, or a second Sender); #MW_E_NOMEM;
 *         #MW_E_ARG.
 */
MW_API mw_status mw_builder_add_address(mw_builder *b, uint32_t field,
                                        const char *name, size_t name_len,
                                        const char *addr, size_t addr_len);

/**
 * \brief Set the Subject (unstructured UTF-8 text; replaces an earlier
 *        one). RFC 2047 encoded when it has non-ASCII text (unless
 *        #MW_BUILD_SMTPUTF8), control characters, "=?", a word too long
 *        to fold, or leading or trailing whitespace.
 * \param b The builder (before the body is begun).
 * \param text The subject.
 * \param len Length of \p text.
 * \return #MW_OK, #MW_E_CRLF, #MW_E_ENCODING (invalid UTF-8), #MW_E_STATE,
 *         #MW_E_NOMEM, #MW_E_ARG.
 */
MW_API mw_status mw_builder_set_subject(mw_builder *b, const char *text,
                                        size_t len);

/**
 * \brief Set the Date field from a caller-supplied broken-down time and
 *        zone (the library reads no clock).
 * \param b The builder (before the body is begun).
 * \param dt The date; its weekday is written when it is 0..6.
 * \return #MW_OK, #MW_E_ARG (field out of range), #MW_E_STATE, #MW_E_NOMEM.
 */
MW_API mw_status mw_builder_set_date(mw_builder *b, const mw_datetime *dt);

/**
 * \brief Set the Message-ID from a caller token `left@right` (without
 *        angle brackets).
 * \param b The builder (before the body is begun).
 * \param id The id.
 * \param len Length of \p id.
 * \return #MW_OK, #MW_E_CRLF, #MW_E_SYNTAX (not a valid msg-id),
 *         #MW_E_STATE, #MW_E_NOMEM, #MW_E_ARG.
 */
MW_API mw_status mw_builder_set_message_id(mw_builder *b, const char *id,
                                           size_t len);

/**
 * \brief Set the Message-ID to `<hex of random>@domain` from caller
 *        randomness (8 to 64 bytes).
 * \param b The builder (before the body is begun).
 * \param random Random bytes.
 * \param random_len Their number, 8..64.
 * \param domain Right-hand side (dot-atom-text).
 * \param domain_len Length of \p domain.
 * \return As mw_builder_set_message_id(); #MW_E_ARG for a bad length.
 */
MW_API mw_status mw_builder_set_message_id_random(mw_builder *b,
                                                  const void *random,
                                                  size_t random_len,
                                                  const char *domain,
                                                  size_t domain_len);

/**
 * \brief Append a msg-id (without brackets) to In-Reply-To or References.
 * \param b The builder (before the body is begun).
 * \param field #MW_BUILD_IN_REPLY_TO or #MW_BUILD_REFERENCES.
 * \param id The id.
 * \param len Length of \p id.
 * \return As mw_builder_set_message_id().
 */
MW_API mw_status mw_builder_add_msgid(mw_builder *b, uint32_t field,
                                      const char *id, size_t len);

/**
 * \brief Add a custom header field, written after the standard ones in
 *        call order. The value is unstructured text, encoded like the
 *        Subject.
 * \param b The builder (before the body is begun).
 * \param name Field name: 1..76 printable ASCII characters without ':'.
 *        Names the builder writes itself (From, Sender, To, Cc, Bcc,
 *        Reply-To, Subject, Date, Message-ID, In-Reply-To, References,
 *        MIME-Version, Content-*) are refused with #MW_E_ARG.
 * \param name_len Length of \p name.
 * \param value UTF-8 value; may be NULL when \p value_len is 0.
 * \param value_len Length of \p value.
 * \return #MW_OK, #MW_E_CRLF, #MW_E_SYNTAX (bad name), #MW_E_ENCODING,
 *         #MW_E_STATE, #MW_E_NOMEM, #MW_E_ARG.
 */
MW_API mw_status mw_builder_add_header(mw_builder *b, const char *name,
                                       size_t name_len, const char *value,
                                       size_t value_len);

/**
 * \brief Begin a multipart entity (the message body when nothing is open
 *        yet, else the next child of the open multipart).
 * \param b The builder.
 * \param subtype "mixed", "alternative", "related", ... (NUL-terminated
 *        token).
 * \param related_type Optional (NULL) `type` parameter for
 *        multipart/related (RFC 2387), e.g. "text/html".
 * \return #MW_OK; #MW_E_LIMIT (nesting deeper than mime_depth_max, more
 *         than mime_parts_max entities, or a header line over 998 bytes);
 *         #MW_E_STATE (a leaf is open, the body is complete, or From is
 *         missing or has several mailboxes without a Sender); #MW_E_ARG;
 *         #MW_E_NOMEM.
 */
MW_API mw_status mw_builder_begin_multipart(mw_builder *b, const char *subtype,
                                            const char *related_type);

/**
 * \brief Close the innermost open multipart (it must have a child).
 * \return #MW_OK, #MW_E_STATE, #MW_E_NOMEM.
 */
MW_API mw_status mw_builder_end_multipart(mw_builder *b);

/**
 * \brief Begin a leaf part; its content follows with mw_builder_write()
 *        or mw_builder_write_from(), then mw_builder_end_part().
 * \param b The builder.
 * \param part Description (read during the call only).
 * \return #MW_OK; #MW_E_CRLF (CR, LF or NUL in filename or Content-ID);
 *         #MW_E_SYNTAX (bad content type, charset or Content-ID);
 *         #MW_E_ENCODING (filename not UTF-8); #MW_E_ARG (unknown
 *         encoding or disposition, 8bit without #MW_BUILD_8BITMIME, an
 *         encoding a message/ * part may not have); #MW_E_LIMIT;
 *         #MW_E_STATE; #MW_E_NOMEM.
 */
MW_API mw_status mw_builder_begin_part(mw_builder *b,
                                       const mw_build_part *part);

/**
 * \brief Supply content of the open leaf.
 *
 * Consumes input while less than #MW_BUILD_SOFT_OUTPUT bytes of output are
 * pending; when \p consumed_out < \p len, drain output and call again with
 * the rest.
 * \param b The builder.
 * \param data Content bytes (may be NULL when \p len is 0).
 * \param len Their number.
 * \param consumed_out Receives how many bytes were taken.
 * \return #MW_OK; #MW_E_ENCODING (content that the forced or required
 *         identity encoding cannot carry; fatal); #MW_E_STATE (no leaf
 *         open, or the builder failed before); #MW_E_NOMEM; #MW_E_ARG.
 */
MW_API mw_status mw_builder_write(mw_builder *b, const void *data, size_t len,
                                  size_t *consumed_out);

/**
 * \brief Pull content of the open leaf from \p fn until pending output
 *        reaches #MW_BUILD_SOFT_OUTPUT or \p fn reports the end.
 * \param b The builder.
 * \param fn Content source.
 * \param ud Passed to \p fn.
 * \return #MW_OK (drain output, then call again; also when \p fn returned
 *         #MW_OK with no bytes); #MW_DONE (\p fn reported
 *         the end; call mw_builder_end_part()); an error of \p fn or of
 *         mw_builder_write().
 */
MW_API mw_status mw_builder_write_from(mw_builder *b, mw_build_read_fn fn,
                                       void *ud);

/**
 * \brief End the open leaf (flushes its encoder).
 * \return #MW_OK, #MW_E_ENCODING (as mw_builder_write()), #MW_E_STATE,
 *         #MW_E_NOMEM.
 */
MW_API mw_status mw_builder_end_part(mw_builder *b);

/**
 * \brief Declare the message complete. Every multipart must be closed. A
 *        builder with no body part writes the header and an empty body.
 * \return #MW_OK, #MW_E_STATE, #MW_E_LIMIT, #MW_E_NOMEM.
 */
MW_API mw_status mw_builder_finish(mw_builder *b);

/**
 * \brief View of the output waiting to be sent.
 * \param b The builder.
 * \param len_out Receives the number of bytes (0 when none).
 * \return Pointer to the bytes, valid until the next call on \p b.
 */
MW_API const char *mw_builder_output(const mw_builder *b, size_t *len_out);

/**
 * \brief Say that \p n bytes of mw_builder_output() were sent.
 * \param b The builder.
 * \param n Bytes sent (more than pending empties the output).
 */
MW_API void mw_builder_output_done(mw_builder *b, size_t n);

/**
 * \brief Copy pending output into \p out.
 * \param b The builder.
 * \param out Destination.
 * \param cap Its size.
 * \param n_out Receives the number of bytes copied.
 * \return #MW_OK (bytes copied, or none pending but the message is not
 *         finished: supply more), #MW_DONE (finished and fully drained;
 *         \p n_out is 0), #MW_E_ARG.
 */
MW_API mw_status mw_builder_read(mw_builder *b, void *out, size_t cap,
                                 size_t *n_out);

/**
 * \brief Number of envelope recipients (To, Cc and Bcc, in call order).
 */
MW_API size_t mw_builder_recipient_count(const mw_builder *b);

/**
 * \brief One envelope recipient's addr-spec.
 * \param b The builder.
 * \param i Index below mw_builder_recipient_count().
 * \param addr_out Receives a view valid until the builder is freed or
 *        another address is added.
 * \return #MW_OK, #MW_E_ARG (index out of range).
 */
MW_API mw_status mw_builder_recipient(const mw_builder *b, size_t i,
                                      mw_span *addr_out);

/**
 * \brief Transfer encoding (MW_BUILD_CTE_*) chosen for the last leaf that
 *        was ended; #MW_BUILD_CTE_AUTO when none was.
 */
MW_API uint32_t mw_builder_last_encoding(const mw_builder *b);

#ifdef __cplusplus
}
#endif

#endif /* MAILWIRE_BUILD_H */
