/**
 * \file stream.h
 * \brief The shared line assembler, dot-stuffer and dot-unstuffer.
 *
 * These three small state machines are the only places in mailwire that
 * split a byte stream into CRLF lines or handle the SMTP / POP3 end-of-data
 * marker (RFC 5321 section 4.5.2, RFC 1939 section 3). SMTP, POP3 and the
 * message code all use them, so the rules about bare CR, bare LF and the
 * "<CRLF>.<CRLF>" marker are made once.
 *
 * All three are caller-allocated structs (no heap), sans-IO and
 * chunking-independent: feeding one byte at a time gives the same lines,
 * the same body bytes and the same end position as feeding everything at
 * once. Struct fields are private: use the functions.
 *
 * Security: by default the readers accept only CRLF as a line end and only
 * "<CRLF>.<CRLF>" as the end of data, and the writer turns every bare CR
 * and bare LF into CRLF, so mailwire neither accepts nor emits the SMTP
 * smuggling sequences (CVE-2023-51764, CVE-2023-51765, CVE-2023-51766).
 */
#ifndef MAILWIRE_STREAM_H
#define MAILWIRE_STREAM_H

#include <stddef.h>
#include <stdint.h>

#include "mailwire/core.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------ */
/* Line reader                                                         */
/* ------------------------------------------------------------------ */

/**
 * \brief Line reader flag: a bare LF also ends a line (lenient).
 *
 * **Security warning:** only for reading from peers known to send bare LF
 * line ends (broken servers, local files). A protocol server must not use
 * it: a peer and an intermediary that disagree on where a line ends can
 * smuggle commands or messages past each other.
 */
#define MW_LINE_LF_ENDS 0x100u

/**
 * \brief Line reader flag: discard an over-long line instead of failing.
 *
 * Instead of returning #MW_E_LIMIT, the reader drops the rest of a line
 * longer than its capacity and reports it as an empty line with
 * #MW_LINE_OVERLONG once its line end arrives (what an SMTP server needs to
 * answer 500 "line too long" and carry on).
 */
#define MW_LINE_SKIP_LONG 0x200u

/** \brief Line flag: the line ended with CRLF. */
#define MW_LINE_CRLF 0x1u
/** \brief Line flag: the line ended with a bare LF (#MW_LINE_LF_ENDS only). */
#define MW_LINE_LF 0x2u
/** \brief Line flag: a bare LF occurs inside the line (kept as data). */
#define MW_LINE_BARE_LF 0x4u
/** \brief Line flag: a bare CR occurs inside the line (kept as data). */
#define MW_LINE_BARE_CR 0x8u
/** \brief Line flag: a NUL byte occurs inside the line. */
#define MW_LINE_NUL 0x10u
/**
 * \brief Line flag: the line was longer than the capacity and was
 *        discarded; the reported line is empty. Its start offset is
 *        mw_line_reader_error_offset().
 */
#define MW_LINE_OVERLONG 0x20u

/** \brief Incremental CRLF line assembler (private fields). */
typedef struct mw_line_reader {
    char *storage;         /**< Private: caller memory for split lines. */
    size_t cap;            /**< Private: capacity, also the line limit. */
    size_t len;            /**< Private: bytes held in storage. */
    uint32_t flags;        /**< Private: MW_LINE_LF_ENDS, ... */
    uint32_t line_flags;   /**< Private: flags of the held bytes. */
    uint32_t state;        /**< Private: reading, failed or skipping. */
    uint32_t held_cr;      /**< Private: the last byte seen was a CR. */
    uint64_t offset;       /**< Private: bytes consumed so far. */
    uint64_t line_start;   /**< Private: offset of the current line. */
    uint64_t error_offset; /**< Private: start of the last long line. */
} mw_line_reader;

/**
 * \brief Start reading lines.
 *
 * \param r The reader.
 * \param storage Caller memory of \p cap bytes, used only for a line that
 *        straddles chunks. It must outlive the reader. NULL means no
 *        storage (every line is then too long).
 * \param cap Size of \p storage, which is also the longest line accepted
 *        including its line end (SMTP: 1000, RFC 5321 4.5.3.1.4).
 * \param flags 0 (strict: only CRLF ends a line), or any of
 *        #MW_LINE_LF_ENDS and #MW_LINE_SKIP_LONG.
 */
MW_API void mw_line_reader_init(mw_line_reader *r, void *storage, size_t cap,
                                uint32_t flags);

/**
 * \brief Get the next complete line.
 *
 * Strict mode (the default) ends a line only at CRLF; a bare LF or bare CR
 * inside a line is data, reported with #MW_LINE_BARE_LF / #MW_LINE_BARE_CR.
 * A CR at the very end of \p in is carried into the next call, since it
 * may be the first half of a CRLF.
 *
 * \param r The reader.
 * \param in Next input bytes (may be NULL when \p len is 0).
 * \param len Number of bytes at \p in.
 * \param consumed Set to the number of bytes of \p in used; the caller
 *        passes the rest (in + *consumed) to the next call.
 * \param line Set to the line WITHOUT its line end. It points into \p in
 *        when the whole line was inside this chunk, else into the storage;
 *        valid until the next call on \p r (and, when it points into
 *        \p in, while \p in is). Empty with #MW_LINE_OVERLONG.
 * \param line_flags Set to the MW_LINE_* flags of the line (may be NULL).
 * \return #MW_OK with a line;
 *         #MW_NEED_MORE when the input ran out mid-line (its bytes are
 *         kept in the storage and *consumed == len);
 *         #MW_E_LIMIT when the line, line end included, is longer than
 *         the capacity: *consumed counts the bytes that belonged to it,
 *         the error is sticky until mw_line_reader_skip_line() or
 *         mw_line_reader_reset(), and mw_line_reader_error_offset() is
 *         where the line started (never with #MW_LINE_SKIP_LONG);
 *         #MW_E_ARG for NULL pointers (or NULL \p in with \p len > 0).
 */
MW_API mw_status mw_line_reader_next(mw_line_reader *r, const void *in,
                                     size_t len, size_t *consumed,
                                     mw_span *line, uint32_t *line_flags);

/**
 * \brief Recover from #MW_E_LIMIT: discard the rest of the over-long line.
 *
 * The following calls to mw_line_reader_next() consume bytes up to and
 * including the end of that line and then report it once as an empty line
 * with #MW_LINE_OVERLONG (plus the flag of its line end); reading goes on
 * normally after it.
 * \return #MW_OK, or #MW_E_STATE when the reader is not failed with
 *         #MW_E_LIMIT, #MW_E_ARG when \p r is NULL.
 */
MW_API mw_status mw_line_reader_skip_line(mw_line_reader *r);

/**
 * \brief Drop buffered bytes and any error and start a new stream at
 *        offset 0, keeping the storage and flags (e.g. after STARTTLS).
 */
MW_API void mw_line_reader_reset(mw_line_reader *r);

/** \brief Bytes held in the storage: a partial line, or a lone CR. */
MW_API size_t mw_line_reader_pending(const mw_line_reader *r);

/** \brief Stream offset of the next byte: bytes consumed since init. */
MW_API uint64_t mw_line_reader_offset(const mw_line_reader *r);

/**
 * \brief Stream offset where the last over-long line started; meaningful
 *        after #MW_E_LIMIT or a line with #MW_LINE_OVERLONG.
 */
MW_API uint64_t mw_line_reader_error_offset(const mw_line_reader *r);

/* ------------------------------------------------------------------ */
/* Dot-stuffing writer                                                  */
/* ------------------------------------------------------------------ */

/** \brief Dot-stuffing writer state (private fields). */
typedef struct mw_dot_writer {
    uint8_t at_line_start; /**< Private: the next byte starts a line. */
    uint8_t held_cr;       /**< Private: a CR awaits the next byte. */
    uint8_t finished;      /**< Private: the end marker was written. */
} mw_dot_writer;

/** \brief Start a new body (SMTP DATA client side, POP3 server side). */
MW_API void mw_dot_writer_init(mw_dot_writer *w);

/**
 * \brief Dot-stuff and normalise \p len bytes of body, appending to \p out.
 *
 * A '.' at the start of a line is doubled (RFC 5321 section 4.5.2). Every
 * bare CR and bare LF becomes CRLF, so the output never contains a
 * smuggling sequence; a CR at the end of \p in is held until the next byte
 * shows whether an LF follows.
 * \return #MW_OK; #MW_E_NOSPACE (nothing written, state unchanged,
 *         out->needed set: drain and retry the same bytes); #MW_E_NOMEM;
 *         #MW_E_STATE after mw_dot_writer_final(); #MW_E_ARG for NULL
 *         pointers.
 */
MW_API mw_status mw_dot_writer_update(mw_dot_writer *w, const void *in,
                                      size_t len, mw_buf *out);

/**
 * \brief End the body: make it end with CRLF, then write ".\r\n".
 *
 * An empty body gives just ".\r\n".
 * \return As mw_dot_writer_update(). After #MW_OK the writer is finished;
 *         mw_dot_writer_init() starts a new body.
 */
MW_API mw_status mw_dot_writer_final(mw_dot_writer *w, mw_buf *out);

/**
 * \brief Upper bound of the output of a whole body of \p n bytes (all
 *        updates plus final), which also bounds any single update of \p n
 *        bytes: 2n + 5, or SIZE_MAX on overflow.
 */
MW_API size_t mw_dot_writer_bound(size_t n);

/* ------------------------------------------------------------------ */
/* Dot-unstuffing reader                                                */
/* ------------------------------------------------------------------ */

/**
 * \brief Dot reader flag: a bare LF also ends a line, so "\n.\n" and
 *        "\n.\r\n" end the data (lenient).
 *
 * **Security warning:** never use this on the server side of SMTP DATA.
 * Accepting a bare LF as a line end is exactly the SMTP smuggling hole
 * (CVE-2023-51764, CVE-2023-51765, CVE-2023-51766): an upstream server
 * that passes "\n.\r\n" through as data lets an attacker end the message
 * early here and have the rest read as new commands. Meant only for the
 * POP3 client reading from broken servers.
 */
#define MW_DOT_LF_ENDS 0x100u

/** \brief Dot reader defect: a bare LF appeared in the data. */
#define MW_DOT_BARE_LF 0x1u
/** \brief Dot reader defect: a bare CR appeared in the data. */
#define MW_DOT_BARE_CR 0x2u

/** \brief Dot-unstuffing reader state (private fields). */
typedef struct mw_dot_reader {
    uint32_t flags;         /**< Private: 0 or MW_DOT_LF_ENDS. */
    uint32_t state;         /**< Private: position in the line grammar. */
    uint32_t defects;       /**< Private: MW_DOT_BARE_* seen. */
    uint32_t reserved;      /**< Private: padding. */
    uint64_t offset;        /**< Private: bytes consumed so far. */
    uint64_t defect_offset; /**< Private: offset of the first defect. */
} mw_dot_reader;

/**
 * \brief Start reading a dot-stuffed body; the stream starts at the
 *        beginning of a line.
 * \param r The reader.
 * \param flags 0 (strict) or #MW_DOT_LF_ENDS (lenient, see its warning).
 */
MW_API void mw_dot_reader_init(mw_dot_reader *r, uint32_t flags);

/**
 * \brief Pull the next run of unstuffed body bytes.
 *
 * Strict mode (the default) ends the data only at "<CRLF>.<CRLF>" (or
 * ".<CRLF>" at the very start: an empty body). Every other sequence,
 * including "\n.\n", "\n.\r\n", "\r\n.\n", "\r.\r" and "\r.\r\n", is body
 * data; a bare LF or CR sets #MW_DOT_BARE_LF / #MW_DOT_BARE_CR so the
 * server can reject the message after its end. The leading '.' of any
 * other line that starts with one is removed (RFC 5321 section 4.5.2),
 * whether it was stuffed ("..") or not (".x", tolerated as RFC 5321
 * tells a receiver to).
 *
 * The body includes the line end before the end marker.
 *
 * \param r The reader.
 * \param in Next input bytes (may be NULL when \p len is 0).
 * \param len Number of bytes at \p in.
 * \param consumed Set to the number of bytes of \p in used.
 * \param data Set to a non-empty run of body bytes: a view into \p in, or
 *        into static constant storage for a byte held back across a chunk
 *        boundary (the CR of a line "." CR that was not an end marker).
 *        Valid while \p in is; empty unless #MW_OK is returned.
 * \return #MW_OK with body bytes;
 *         #MW_NEED_MORE when all of \p in was consumed and nothing is left
 *         to report;
 *         #MW_DONE when the end marker was consumed: *consumed is just past
 *         it, and the rest of \p in belongs to the next command
 *         (pipelining). Further calls return #MW_DONE and consume nothing;
 *         #MW_E_ARG for NULL pointers.
 */
MW_API mw_status mw_dot_reader_next(mw_dot_reader *r, const void *in,
                                    size_t len, size_t *consumed,
                                    mw_span *data);

/** \brief Bitwise OR of the MW_DOT_BARE_* defects seen so far. */
MW_API uint32_t mw_dot_reader_defects(const mw_dot_reader *r);

/**
 * \brief Stream offset of the first bare CR or LF; meaningful only when
 *        mw_dot_reader_defects() is not 0.
 */
MW_API uint64_t mw_dot_reader_defect_offset(const mw_dot_reader *r);

/** \brief Stream offset of the next byte: bytes consumed since init. */
MW_API uint64_t mw_dot_reader_offset(const mw_dot_reader *r);

#ifdef __cplusplus
}
#endif

#endif /* MAILWIRE_STREAM_H */
