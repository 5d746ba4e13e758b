/**
 * \file codec.h
 * \brief Streaming base64 (RFC 4648 / RFC 2045) and quoted-printable
 *        (RFC 2045) encoders and decoders.
 *
 * Every codec is a small caller-allocated state struct (no heap) driven by
 * update calls with chunks of any size and one final call. Any chunking of
 * the same input gives byte-identical output. Output goes into an mw_buf,
 * all or nothing per call: on #MW_E_NOSPACE the state is unchanged and the
 * same chunk can be retried after draining the buffer.
 *
 * The struct fields are private: read them only through the functions.
 * Decoders count input bytes from 0 at init; offsets they report are
 * positions in that stream.
 */
#ifndef MAILWIRE_CODEC_H
#define MAILWIRE_CODEC_H

#include <stddef.h>
#include <stdint.h>

#include "mailwire/core.h"

#ifdef __cplusplus
extern "C" {
#endif

/** \brief Encoder flag: insert CRLF before column 77 (MIME bodies). */
#define MW_B64_WRAP76 0x1u
/** \brief Decoder flag: refuse anything but the alphabet and final
 *  padding (whitespace included) with #MW_E_ENCODING. */
#define MW_B64_STRICT 0x2u

/** \brief Defect: bytes outside the alphabet were skipped. */
#define MW_DEFECT_GARBAGE 0x1u
/** \brief Defect: the input ended in the middle of a group. */
#define MW_DEFECT_TRUNCATED 0x2u
/** \brief Defect: data followed the padding (it was decoded anyway). */
#define MW_DEFECT_AFTER_PAD 0x4u
/** \brief Defect: malformed quoted-printable escape kept literally. */
#define MW_DEFECT_BAD_ESCAPE 0x8u
/** \brief Defect: a line (or a QP soft break) ended in a bare LF or CR. */
#define MW_DEFECT_BARE_EOL 0x10u
/** \brief Defect: an encoded line was longer than 76 characters. */
#define MW_DEFECT_LONG_LINE 0x20u
/** \brief Defect: an 8-bit or control byte appeared unencoded. */
#define MW_DEFECT_RAW_BYTE 0x40u

/** \brief Base64 encoder state (private fields). */
typedef struct mw_b64_encoder {
    uint32_t flags;  /**< Private: MW_B64_* flags. */
    uint32_t col;    /**< Private: characters on the current line. */
    uint8_t pend[3]; /**< Private: input bytes of an unfinished group. */
    uint8_t npend;   /**< Private: bytes used in \c pend. */
} mw_b64_encoder;

/** \brief Start encoding; \p flags is 0 or #MW_B64_WRAP76. */
MW_API void mw_b64_encoder_init(mw_b64_encoder *enc, uint32_t flags);

/**
 * \brief Encode \p len bytes of \p in, appending to \p out.
 *
 * With #MW_B64_WRAP76 a CRLF is written before a character that would go
 * past column 76; no CRLF is ever written at the very end.
 * \return #MW_OK, #MW_E_NOSPACE (state unchanged; out->needed set),
 *         #MW_E_NOMEM, #MW_E_ARG (NULL pointer with len > 0).
 */
MW_API mw_status mw_b64_encode_update(mw_b64_encoder *enc, const void *in,
                                      size_t len, mw_buf *out);

/**
 * \brief Flush the last group with its padding.
 * \return As mw_b64_encode_update(). The encoder may be re-initialised.
 */
MW_API mw_status mw_b64_encode_final(mw_b64_encoder *enc, mw_buf *out);

/**
 * \brief Upper bound of the output of encoding \p len bytes in one update
 *        plus final, with \p flags.
 */
MW_API size_t mw_b64_encode_bound(size_t len, uint32_t flags);

/** \brief Base64 decoder state (private fields). */
typedef struct mw_b64_decoder {
    uint32_t flags;         /**< Private: MW_B64_* flags. */
    uint32_t acc;           /**< Private: sextets of the current group. */
    uint32_t nacc;          /**< Private: sextets in \c acc (0..3). */
    uint32_t npad;          /**< Private: '=' seen in the current group. */
    uint32_t padded;        /**< Private: a group ended with padding. */
    uint32_t failed;        /**< Private: strict-mode error (sticky). */
    uint32_t defects;       /**< Private: MW_DEFECT_* seen so far. */
    uint64_t offset;        /**< Private: input bytes consumed. */
    uint64_t defect_offset; /**< Private: offset of the first defect. */
} mw_b64_decoder;

/** \brief Start decoding; \p flags is 0 (tolerant) or #MW_B64_STRICT. */
MW_API void mw_b64_decoder_init(mw_b64_decoder *dec, uint32_t flags);

/**
 * \brief Decode \p len bytes of \p in, appending to \p out.
 *
 * Tolerant mode skips blanks and line breaks silently and other bytes
 * outside the alphabet (stray '=' included) with #MW_DEFECT_GARBAGE; data
 * after padding is decoded as a new group with #MW_DEFECT_AFTER_PAD;
 * non-zero pad bits are dropped. Strict mode fails on the first of these,
 * and on non-zero pad bits (blamed on the character carrying them), with
 * the reason in mw_b64_decoder_defects(). On failure the bytes of the
 * whole groups before the bad byte are still appended.
 * \return #MW_OK, #MW_E_ENCODING (strict; sticky; see
 *         mw_b64_decoder_defect_offset()), #MW_E_NOSPACE (state unchanged;
 *         out->needed is the exact length needed), #MW_E_NOMEM, #MW_E_ARG.
 */
MW_API mw_status mw_b64_decode_update(mw_b64_decoder *dec, const void *in,
                                      size_t len, mw_buf *out);

/**
 * \brief End of input: flush a final partial group.
 *
 * Tolerant mode decodes what it can of a truncated group and reports
 * #MW_DEFECT_TRUNCATED; strict mode fails with #MW_E_ENCODING.
 * \return As mw_b64_decode_update().
 */
MW_API mw_status mw_b64_decode_final(mw_b64_decoder *dec, mw_buf *out);

/** \brief Bitwise OR of the MW_DEFECT_* flags seen so far. */
MW_API uint32_t mw_b64_decoder_defects(const mw_b64_decoder *dec);

/**
 * \brief Stream offset of the first defect or strict-mode error; for
 *        #MW_DEFECT_TRUNCATED the length of the input. 0 when no defect.
 */
MW_API uint64_t mw_b64_decoder_defect_offset(const mw_b64_decoder *dec);

/**
 * \brief Quoted-printable flag: binary data. CR and LF are encoded as
 *        =0D and =0A and only soft line breaks are written. Without it
 *        (text mode) LF or CRLF in the input is a hard line break written
 *        as CRLF.
 */
#define MW_QP_BINARY 0x1u

/** \brief Longest encoded line the QP encoder writes, without CRLF. */
#define MW_QP_LINE_MAX 76

/** \brief Quoted-printable encoder state (private fields). */
typedef struct mw_qp_encoder {
    uint32_t flags;    /**< Private: MW_QP_* flags. */
    uint32_t col;      /**< Private: characters on the current line. */
    uint32_t held_len; /**< Private: bytes used in \c held. */
    uint8_t held[8];   /**< Private: input awaiting lookahead (a CR, a
                            blank, "From", a byte at column 76). */
} mw_qp_encoder;

/** \brief Start encoding; \p flags is 0 (text) or #MW_QP_BINARY. */
MW_API void mw_qp_encoder_init(mw_qp_encoder *enc, uint32_t flags);

/**
 * \brief Encode \p len bytes of \p in, appending to \p out.
 *
 * RFC 2045 rules: lines of at most 76 characters with soft breaks (`=`),
 * `=`, control and 8-bit bytes as `=XX` (uppercase hex), a blank before a
 * line break or the end of input encoded (`=20`, `=09`), a "." or the 'F'
 * of "From " at the start of any line (after hard or soft breaks) encoded
 * as `=2E` / `=46`. In text mode a lone CR is `=0D`. Up to a few bytes
 * are held back until the bytes after them decide their encoding.
 * \return #MW_OK, #MW_E_NOSPACE (state unchanged; out->needed set),
 *         #MW_E_NOMEM, #MW_E_ARG.
 */
MW_API mw_status mw_qp_encode_update(mw_qp_encoder *enc, const void *in,
                                     size_t len, mw_buf *out);

/**
 * \brief Flush held bytes. No line break is added at the end.
 * \return As mw_qp_encode_update().
 */
MW_API mw_status mw_qp_encode_final(mw_qp_encoder *enc, mw_buf *out);

/** \brief Quoted-printable decoder state (private fields). */
typedef struct mw_qp_decoder {
    uint32_t flags;         /**< Private: reserved, 0. */
    uint32_t defects;       /**< Private: MW_DEFECT_* seen so far. */
    uint32_t state;         /**< Private: position inside an escape. */
    uint32_t held_len;      /**< Private: bytes used in \c held. */
    uint32_t col;           /**< Private: characters on the input line. */
    uint64_t offset;        /**< Private: input bytes consumed. */
    uint64_t defect_offset; /**< Private: offset of the first defect. */
    char held[80]; /**< Private: blanks that may be trailing padding. */
} mw_qp_decoder;

/** \brief Start decoding; \p flags is 0. */
MW_API void mw_qp_decoder_init(mw_qp_decoder *dec, uint32_t flags);

/**
 * \brief Decode \p len bytes of \p in, appending to \p out.
 *
 * Hard line breaks are written as they came (CRLF, or a bare LF or bare
 * CR, reported as #MW_DEFECT_BARE_EOL); soft breaks (`=`, optional blanks,
 * then CRLF, LF or CR) vanish; blanks before a line end or the end of
 * input are removed (RFC 2045 transport padding), except that a run longer
 * than 80 blanks has its older part written as data; lowercase hex is
 * decoded silently; a malformed escape (`=G1`, `=4` or `=` at the end) is
 * kept literally with #MW_DEFECT_BAD_ESCAPE; an input line longer than 76
 * bytes (padding included) is decoded and reported as #MW_DEFECT_LONG_LINE;
 * raw control or 8-bit bytes pass with #MW_DEFECT_RAW_BYTE.
 * \return #MW_OK, #MW_E_NOSPACE (state unchanged; out->needed set),
 *         #MW_E_NOMEM, #MW_E_ARG.
 */
MW_API mw_status mw_qp_decode_update(mw_qp_decoder *dec, const void *in,
                                     size_t len, mw_buf *out);

/**
 * \brief End of input: flush held bytes.
 * \return As mw_qp_decode_update().
 */
MW_API mw_status mw_qp_decode_final(mw_qp_decoder *dec, mw_buf *out);

/** \brief Bitwise OR of the MW_DEFECT_* flags seen so far. */
MW_API uint32_t mw_qp_decoder_defects(const mw_qp_decoder *dec);

/**
 * \brief Stream offset of the earliest defect (for a bad escape, of its
 *        `=`). 0 when no defect.
 */
MW_API uint64_t mw_qp_decoder_defect_offset(const mw_qp_decoder *dec);

#ifdef __cplusplus
}
#endif

#endif /* MAILWIRE_CODEC_H */
