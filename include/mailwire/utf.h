/**
 * \file utf.h
 * \brief Streaming UTF-8 validation and IMAP modified UTF-7 (RFC 3501
 *        section 5.1.3, unchanged in RFC 9051) mailbox-name conversion to
 *        and from UTF-8.
 *
 * Caller-allocated state structs, no heap; any chunking of the same input
 * gives the same output, status and error offset. Output goes into an
 * mw_buf all or nothing per call: #MW_E_NOSPACE and #MW_E_NOMEM append
 * nothing and leave the state unchanged, so the call can be repeated with
 * more room. Struct fields are private.
 *
 * Error offsets count bytes from the start of the stream (all chunks).
 */
#ifndef MAILWIRE_UTF_H
#define MAILWIRE_UTF_H

#include <stddef.h>
#include <stdint.h>

#include "mailwire/core.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * \brief Streaming UTF-8 validator state (private fields).
 *
 * Checks each continuation byte against the range its lead byte allows, so
 * overlong forms, surrogates and values above U+10FFFF fail at their
 * second byte.
 */
typedef struct mw_utf8_validator {
    uint32_t need;         /**< Continuation bytes still expected. */
    uint32_t lo;           /**< Smallest byte allowed next (when need > 0). */
    uint32_t hi;           /**< Largest byte allowed next (when need > 0). */
    uint32_t failed;       /**< 1 once an invalid sequence was seen. */
    uint64_t offset;       /**< Bytes consumed so far. */
    uint64_t seq_start;    /**< Offset of the lead byte of the open sequence. */
    uint64_t error_offset; /**< Where the failure starts (when failed). */
} mw_utf8_validator;

/**
 * \brief Start validating a new stream.
 * \param v State to (re)initialise; must not be NULL.
 */
MW_API void mw_utf8_validator_init(mw_utf8_validator *v);

/**
 * \brief Validate the next \p len bytes (RFC 3629: no overlong forms, no
 *        surrogates U+D800..U+DFFF, nothing above U+10FFFF, no stray
 *        continuation bytes). U+0000 is valid.
 *
 * A sequence may be split across calls at any byte.
 * \param v State from mw_utf8_validator_init().
 * \param in Bytes to check; may be NULL when \p len is 0.
 * \param len Number of bytes at \p in.
 * \return #MW_OK; #MW_E_ENCODING once the input is invalid (sticky: every
 *         later call returns it too; see mw_utf8_validator_error_offset());
 *         #MW_E_ARG when \p v is NULL or \p in is NULL with \p len > 0.
 */
MW_API mw_status mw_utf8_validate_update(mw_utf8_validator *v, const void *in,
                                         size_t len);

/**
 * \brief End of stream: fails when it ends inside a sequence.
 * \param v State from mw_utf8_validator_init().
 * \return #MW_OK, #MW_E_ENCODING (truncated sequence, or an earlier
 *         failure), #MW_E_ARG when \p v is NULL.
 */
MW_API mw_status mw_utf8_validate_final(mw_utf8_validator *v);

/**
 * \brief Offset of the first byte of the first invalid sequence.
 *
 * That is the lead byte of a sequence that is overlong, a surrogate, above
 * U+10FFFF, interrupted by a byte that is not a fitting continuation byte,
 * or truncated by the end of the stream; or the byte itself when it cannot
 * start a sequence (a stray continuation byte 0x80..0xBF, 0xC0, 0xC1,
 * 0xF5..0xFF).
 * \param v Validator state.
 * \return The offset after #MW_E_ENCODING; 0 while no error was seen.
 */
MW_API uint64_t mw_utf8_validator_error_offset(const mw_utf8_validator *v);

/**
 * \brief One-shot validation of \p len bytes.
 * \param in Bytes to check; may be NULL when \p len is 0.
 * \param len Number of bytes at \p in.
 * \param error_offset_out Optional; receives on failure the offset
 *        mw_utf8_validator_error_offset() describes (0 when \p in is NULL
 *        with \p len > 0). Untouched on success.
 * \return 1 when valid UTF-8, 0 otherwise.
 */
MW_API int mw_utf8_is_valid(const void *in, size_t len,
                            size_t *error_offset_out);

/** \brief Modified UTF-7 to UTF-8 decoder state (private fields). */
typedef struct mw_utf7_decoder {
    uint32_t mode;         /**< Direct, just after '&', or inside a run. */
    uint32_t after_run;    /**< 1 right after a run's closing '-'. */
    uint32_t bits;         /**< Base64 bits not yet part of a UTF-16 unit. */
    uint32_t nbits;        /**< How many bits \c bits holds (0..15). */
    uint32_t high;         /**< Pending high surrogate, or 0. */
    uint32_t failed;       /**< 1 once the input was found invalid. */
    uint64_t offset;       /**< Bytes consumed so far. */
    uint64_t shift_offset; /**< Offset of the '&' of the open run. */
    uint64_t error_offset; /**< Where decoding failed (when failed). */
} mw_utf7_decoder;

/**
 * \brief Start decoding a mailbox name.
 * \param dec State to (re)initialise; must not be NULL.
 */
MW_API void mw_utf7_decoder_init(mw_utf7_decoder *dec);

/**
 * \brief Decode the next \p len bytes of a modified UTF-7 name to UTF-8.
 *
 * Strict as RFC 3501 requires, so every accepted name is the one and only
 * encoding of its UTF-8 form: printable ASCII 0x20..0x7e other than '&'
 * must appear directly; "&-" stands for "&"; a shifted run is '&', modified
 * base64 (',' instead of '/', no '=' padding) and '-'. A run must hold
 * whole UTF-16 units with valid surrogate pairs, must not encode printable
 * ASCII (including '&'), must leave zero bits after its last unit (fewer
 * than six), and must not directly follow another run ("&AOQ-&AOQ-" is
 * refused: it is a second spelling of "&AOQA5A-").
 *
 * Each character is appended as soon as its UTF-16 unit(s) are complete;
 * on #MW_E_ENCODING the output of the input before the error is kept.
 * \param dec State from mw_utf7_decoder_init().
 * \param in Bytes to decode; may be NULL when \p len is 0.
 * \param len Number of bytes at \p in.
 * \param out Receives UTF-8 (always valid; U+0000 from "&AAA-" becomes a
 *        NUL byte).
 * \return #MW_OK; #MW_E_ENCODING (sticky; see
 *         mw_utf7_decoder_error_offset()); #MW_E_NOSPACE (nothing
 *         appended, state unchanged, \c out->needed set); #MW_E_NOMEM
 *         (likewise unchanged); #MW_E_ARG when \p dec or \p out is NULL or
 *         \p in is NULL with \p len > 0.
 */
MW_API mw_status mw_utf7_decode_update(mw_utf7_decoder *dec, const void *in,
                                       size_t len, mw_buf *out);

/**
 * \brief End of the name: fails when a shifted run is still open.
 * \param dec State from mw_utf7_decoder_init().
 * \param out Output buffer (nothing is ever appended here).
 * \return #MW_OK, #MW_E_ENCODING, #MW_E_ARG.
 */
MW_API mw_status mw_utf7_decode_final(mw_utf7_decoder *dec, mw_buf *out);

/**
 * \brief Offset of the byte where decoding failed.
 *
 * For a byte that may not appear where it does (a control or 8-bit byte
 * outside a run, a byte other than the base64 alphabet or '-' inside one):
 * that byte. For a run that is invalid as a whole (encodes printable ASCII,
 * has a bad surrogate, leftover bits, directly follows another run, or is
 * still open at the end): the '&' that opened it.
 * \param dec Decoder state.
 * \return The offset after #MW_E_ENCODING; 0 while no error was seen.
 */
MW_API uint64_t mw_utf7_decoder_error_offset(const mw_utf7_decoder *dec);

/** \brief UTF-8 to modified UTF-7 encoder state (private fields). */
typedef struct mw_utf7_encoder {
    mw_utf8_validator utf8; /**< Checks the input; owns offsets and errors. */
    uint32_t cp;            /**< Code point being assembled from UTF-8. */
    uint32_t in_b64;        /**< 1 while a shifted run is open. */
    uint32_t bits;          /**< Base64 bits not yet written (nbits < 6). */
    uint32_t nbits;         /**< How many bits \c bits holds. */
} mw_utf7_encoder;

/**
 * \brief Start encoding a mailbox name.
 * \param enc State to (re)initialise; must not be NULL.
 */
MW_API void mw_utf7_encoder_init(mw_utf7_encoder *enc);

/**
 * \brief Encode the next \p len bytes of a UTF-8 name to modified UTF-7.
 *
 * Minimal output: printable ASCII other than '&' is copied, '&' becomes
 * "&-", and every maximal stretch of other characters (controls, DEL,
 * non-ASCII; above U+FFFF as surrogate pairs) becomes one shifted run. A
 * run stays open across calls until a printable ASCII character or
 * mw_utf7_encode_final() closes it, and a UTF-8 sequence may be split
 * across calls, so any chunking yields the same bytes.
 * \param enc State from mw_utf7_encoder_init().
 * \param in UTF-8 bytes; may be NULL when \p len is 0.
 * \param len Number of bytes at \p in.
 * \param out Receives modified UTF-7 (printable ASCII only).
 * \return #MW_OK; #MW_E_ENCODING for invalid UTF-8 (sticky; output of the
 *         characters before it is kept; see mw_utf7_encoder_error_offset());
 *         #MW_E_NOSPACE (nothing appended, state unchanged, \c out->needed
 *         set); #MW_E_NOMEM (likewise unchanged); #MW_E_ARG when \p enc or
 *         \p out is NULL or \p in is NULL with \p len > 0.
 */
MW_API mw_status mw_utf7_encode_update(mw_utf7_encoder *enc, const void *in,
                                       size_t len, mw_buf *out);

/**
 * \brief End of the name: closes an open shifted run.
 * \param enc State from mw_utf7_encoder_init().
 * \param out Receives the rest of the run and its '-'.
 * \return As mw_utf7_encode_update(); #MW_E_ENCODING when the UTF-8 input
 *         ended inside a sequence.
 */
MW_API mw_status mw_utf7_encode_final(mw_utf7_encoder *enc, mw_buf *out);

/**
 * \brief Offset of the UTF-8 byte where encoding failed: the same offset
 *        mw_utf8_validator_error_offset() reports for that input.
 * \param enc Encoder state.
 * \return The offset after #MW_E_ENCODING; 0 while no error was seen.
 */
MW_API uint64_t mw_utf7_encoder_error_offset(const mw_utf7_encoder *enc);

/**
 * \brief One-shot modified UTF-7 to UTF-8.
 * \param in Modified UTF-7 bytes; may be NULL when \p len is 0.
 * \param len Number of bytes at \p in.
 * \param out Receives the whole UTF-8 name, or nothing on any error.
 * \param error_offset_out Optional; receives the failing offset on
 *        #MW_E_ENCODING (see mw_utf7_decoder_error_offset()).
 * \return #MW_OK, #MW_E_ENCODING, #MW_E_NOSPACE (\c out->needed set to the
 *         length the whole result needs), #MW_E_NOMEM, #MW_E_ARG.
 */
MW_API mw_status mw_utf7_decode(const void *in, size_t len, mw_buf *out,
                                size_t *error_offset_out);

/**
 * \brief One-shot UTF-8 to modified UTF-7.
 * \param in UTF-8 bytes; may be NULL when \p len is 0.
 * \param len Number of bytes at \p in.
 * \param out Receives the whole encoded name, or nothing on any error.
 * \param error_offset_out Optional; receives the failing offset on
 *        #MW_E_ENCODING (see mw_utf7_encoder_error_offset()).
 * \return #MW_OK, #MW_E_ENCODING, #MW_E_NOSPACE (\c out->needed set to the
 *         length the whole result needs), #MW_E_NOMEM, #MW_E_ARG.
 */
MW_API mw_status mw_utf7_encode(const void *in, size_t len, mw_buf *out,
                                size_t *error_offset_out);

#ifdef __cplusplus
}
#endif

#endif /* MAILWIRE_UTF_H */
