/**
 * \file core.h
 * \brief Status codes, allocator hook, byte views, output buffers, limits.
 *
 * The bottom layer of mailwire. Everything here is sans-IO: no sockets,
 * clocks, files, stdio, environment or global mutable state.
 */
#ifndef MAILWIRE_CORE_H
#define MAILWIRE_CORE_H

#include <stddef.h>
#include <stdint.h>

#include "mailwire/export.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * \brief The status table: symbol, value, description.
 *
 * Values are stable ABI: never renumbered, only appended. Zero is success,
 * positive values are informational, negative values are errors.
 */
#define MW_STATUS_MAP(X)                                                       \
    X(MW_OK, 0, "success")                                                     \
    X(MW_NEED_MORE, 1, "more input is needed")                                 \
    X(MW_DONE, 2, "the stream has ended")                                      \
    X(MW_E_SYNTAX, -1, "syntax error in input")                                \
    X(MW_E_LIMIT, -2, "input exceeds a configured limit")                      \
    X(MW_E_NOMEM, -3, "out of memory")                                         \
    X(MW_E_NOSPACE, -4, "output buffer is full")                               \
    X(MW_E_STATE, -5, "operation not allowed in the current state")            \
    X(MW_E_ARG, -6, "invalid argument")                                        \
    X(MW_E_IO, -7, "input/output error")                                       \
    X(MW_E_TLS, -8, "TLS error")                                               \
    X(MW_E_AUTH, -9, "authentication failed")                                  \
    X(MW_E_PEER, -10, "the peer refused")                                      \
    X(MW_E_WOULDBLOCK, -11, "operation would block")                           \
    X(MW_E_TIMEOUT, -12, "operation timed out")                                \
    X(MW_E_CLOSED, -13, "connection closed")                                   \
    X(MW_E_UNSUPPORTED, -14, "not supported")                                  \
    X(MW_E_CRLF, -15, "CR, LF or NUL where a line break is not allowed")       \
    X(MW_E_ENCODING, -16, "invalid encoded data")                              \
    X(MW_E_INTERNAL, -17, "internal error")

/**
 * \brief Result of every fallible mailwire call.
 *
 * The same values as #MW_STATUS_MAP (status.c checks at compile time that
 * the two agree).
 */
typedef enum mw_status {
    MW_OK = 0,              /**< Success; for parsers: an event is ready. */
    MW_NEED_MORE = 1,       /**< All input consumed; feed more. */
    MW_DONE = 2,            /**< The stream or message has ended. */
    MW_E_SYNTAX = -1,       /**< Malformed input (an offset is reported). */
    MW_E_LIMIT = -2,        /**< Input beyond a configured #mw_limits bound. */
    MW_E_NOMEM = -3,        /**< The allocator returned NULL. */
    MW_E_NOSPACE = -4,      /**< A fixed or capped output buffer is full. */
    MW_E_STATE = -5,        /**< Call not allowed in the current state. */
    MW_E_ARG = -6,          /**< Invalid argument (NULL, out of range). */
    MW_E_IO = -7,           /**< Transport read or write failed. */
    MW_E_TLS = -8,          /**< TLS handshake or record error. */
    MW_E_AUTH = -9,         /**< Authentication failed. */
    MW_E_PEER = -10,        /**< The peer refused (for blocking helpers). */
    MW_E_WOULDBLOCK = -11,  /**< Non-blocking transport has no data/room. */
    MW_E_TIMEOUT = -12,     /**< A configured timeout expired. */
    MW_E_CLOSED = -13,      /**< The connection was closed. */
    MW_E_UNSUPPORTED = -14, /**< Feature not built in or not offered. */
    MW_E_CRLF = -15,        /**< CR, LF or NUL in a value (injection). */
    MW_E_ENCODING = -16,    /**< Invalid encoded data (base64, UTF-8...). */
    MW_E_INTERNAL = -17     /**< A bug in mailwire; please report it. */
} mw_status;

/**
 * \brief Human-readable description of a status code.
 * \return A static string; never NULL ("unknown status" for unknown codes).
 */
MW_API const char *mw_strerror(int status);

/**
 * \brief The enum symbol of a status code, e.g. "MW_E_SYNTAX".
 * \return A static string; never NULL ("MW_UNKNOWN" for unknown codes).
 */
MW_API const char *mw_status_name(int status);

/**
 * \brief Whether an object that returned \p status can still be used.
 * \return 1 when the error ends the object's usefulness (syntax, limit,
 *         out of memory, internal error in a stream), 0 otherwise.
 */
MW_API int mw_status_is_fatal(int status);

/**
 * \brief Caller-replaceable allocator.
 *
 * Every allocation inside mailwire goes through one of these. Sizes are
 * passed back on realloc and free so arena and pool allocators need no
 * headers of their own. A NULL `const mw_allocator *` anywhere in the API
 * means the libc allocator.
 */
typedef struct mw_allocator {
    /** Opaque user pointer handed to every callback. */
    void *ud;
    /** Return \p size bytes or NULL. */
    void *(*alloc)(void *ud, size_t size);
    /** Resize \p ptr (of \p old_size bytes) to \p new_size, or return NULL
     *  and leave \p ptr untouched. */
    void *(*realloc)(void *ud, void *ptr, size_t old_size, size_t new_size);
    /** Release \p ptr (of \p size bytes); \p ptr may be NULL. */
    void (*free)(void *ud, void *ptr, size_t size);
} mw_allocator;

/**
 * \brief The libc-backed default allocator.
 * \return A pointer to a static, immutable allocator; never NULL.
 */
MW_API const mw_allocator *mw_allocator_default(void);

/**
 * \brief A read-only view of bytes owned by someone else.
 *
 * Views never own memory. Each function that returns one documents how
 * long it stays valid (typically until the next call on the same object).
 */
typedef struct mw_span {
    const char *ptr; /**< First byte; may be NULL when len is 0. */
    size_t len;      /**< Number of bytes. */
} mw_span;

/** \brief Flag of mw_buf: the storage belongs to the caller (fixed). */
#define MW_BUF_FIXED 1u

/**
 * \brief Output buffer: growable through an allocator up to a cap, or a
 *        fixed caller-supplied array.
 *
 * Writers append a whole unit or nothing. When a unit does not fit, the
 * writer returns #MW_E_NOSPACE, leaves the contents unchanged and stores the
 * total length that would have been needed in \c needed.
 * Treat the fields as read-only; use the functions to change them.
 */
typedef struct mw_buf {
    char *data;                    /**< Contents (not NUL-terminated). */
    size_t len;                    /**< Bytes in use. */
    size_t cap;                    /**< Bytes allocated or supplied. */
    size_t max;                    /**< Growth cap (growable buffers). */
    size_t needed;                 /**< Length needed by the last refusal. */
    const mw_allocator *allocator; /**< Allocator (growable buffers). */
    uint32_t flags;                /**< MW_BUF_FIXED or 0. */
} mw_buf;

/** \brief Default growth cap of a growable buffer (64 MiB). */
#define MW_BUF_DEFAULT_MAX ((size_t)64 * 1024 * 1024)

/**
 * \brief Make \p buf write into the caller's array \p mem of \p cap bytes.
 *
 * Nothing is allocated; mw_buf_free() is a no-op on such a buffer. The
 * caller keeps ownership of \p mem, which must outlive the buffer.
 */
MW_API void mw_buf_init_fixed(mw_buf *buf, void *mem, size_t cap);

/**
 * \brief Make \p buf a growable buffer.
 * \param buf The buffer to initialise (its previous contents are ignored).
 * \param allocator Allocator to grow with, or NULL for libc. Must outlive
 *        the buffer.
 * \param max Largest length the buffer may reach; 0 means
 *        #MW_BUF_DEFAULT_MAX.
 */
MW_API void mw_buf_init_growable(mw_buf *buf, const mw_allocator *allocator,
                                 size_t max);

/**
 * \brief Release the storage of a growable buffer; reset it to empty.
 *        Safe to call twice and on fixed buffers.
 */
MW_API void mw_buf_free(mw_buf *buf);

/**
 * \brief Ensure room for \p extra more bytes.
 * \return #MW_OK, #MW_E_NOSPACE (fixed buffer full or cap reached; \c needed
 *         set), or #MW_E_NOMEM.
 */
MW_API mw_status mw_buf_reserve(mw_buf *buf, size_t extra);

/**
 * \brief Append \p len bytes from \p data, all or nothing.
 * \return #MW_OK, #MW_E_NOSPACE (\c needed set), or #MW_E_NOMEM.
 */
MW_API mw_status mw_buf_append(mw_buf *buf, const void *data, size_t len);

/**
 * \brief Append a NUL-terminated string (without its NUL), all or nothing.
 * \return As mw_buf_append().
 */
MW_API mw_status mw_buf_append_str(mw_buf *buf, const char *str);

/**
 * \brief Append one byte.
 * \return As mw_buf_append().
 */
MW_API mw_status mw_buf_append_byte(mw_buf *buf, uint8_t byte);

/**
 * \brief Drop the first \p n bytes (what was sent), keeping the rest.
 *        \p n larger than the length empties the buffer.
 */
MW_API void mw_buf_consume(mw_buf *buf, size_t n);

/** \brief Empty the buffer, keeping its storage. */
MW_API void mw_buf_clear(mw_buf *buf);

/**
 * \brief Keep only the first \p len bytes: what was appended after them is
 *        dropped (a writer rolling back a unit it could not finish). A
 *        \p len at or beyond the current length changes nothing; the
 *        storage is kept.
 */
MW_API void mw_buf_truncate(mw_buf *buf, size_t len);

/**
 * \brief Resource limits shared by every parser and session.
 *
 * Fill with mw_limits_default(); a field left 0 means its safe default.
 * The leading \c size field lets the struct grow without breaking the ABI:
 * set it to sizeof(mw_limits) (mw_limits_default() does).
 */
typedef struct mw_limits {
    uint32_t size;             /**< sizeof(mw_limits) as the caller knew it. */
    uint32_t line_max;         /**< Longest protocol line, CRLF included. */
    uint32_t header_line_max;  /**< Longest (unfolded) header field kept. */
    uint32_t header_count_max; /**< Header fields per entity. */
    uint32_t header_bytes_max; /**< All header bytes of one entity. */
    uint32_t mime_depth_max;   /**< Nesting depth of MIME entities. */
    uint32_t mime_parts_max;   /**< Entities in one message. */
    uint32_t boundary_max;     /**< Longest MIME boundary. */
    uint32_t imap_depth_max;   /**< Nesting of IMAP parenthesised lists. */
    uint64_t literal_max;      /**< Largest literal kept in memory. */
    uint64_t output_max;       /**< Pending output of a session. */
    uint32_t inflight_max;     /**< Pipelined commands awaiting replies. */
    uint32_t recipients_max;   /**< Recipients per SMTP transaction. */
} mw_limits;

/**
 * \brief Fill \p limits with the safe defaults (documented in SECURITY.md).
 */
MW_API void mw_limits_default(mw_limits *limits);

/**
 * \brief Copy \p in (may be NULL) to \p out with every 0 field replaced by
 *        its default. Reads only the first in->size bytes of \p in.
 */
MW_API void mw_limits_resolve(const mw_limits *in, mw_limits *out);

/**
 * \name Session I/O contract
 *
 * Every protocol session (SMTP, POP3 and IMAP, client and server) follows
 * the same shape so that one driver or event loop can run any of them:
 *  - `mw_<proto>_<side>_feed(s, data, len, &consumed, &event)` reads the
 *    peer's bytes and stops at the first event: MW_OK with \c event filled
 *    (views inside it stay valid until the next call on \c s), or
 *    MW_NEED_MORE once all \c len bytes are consumed without an event.
 *    The caller feeds the rest (data + consumed) again.
 *  - `mw_<proto>_<side>_output(s, &len)` is a view of the bytes waiting to
 *    be sent and `mw_<proto>_<side>_output_done(s, n)` says n of them were
 *    sent (short writes need no copying).
 *  - `mw_<proto>_<side>_wants(s)` returns a mask of MW_WANT_* flags.
 *  - after MW_WANT_TLS the caller runs the TLS handshake and reports it with
 *    `mw_<proto>_<side>_tls_done(s, ok)`; plaintext that was pipelined
 *    before the handshake is discarded and reported by the session.
 * @{
 */
/** The session expects bytes from the peer. */
#define MW_WANT_READ 0x1u
/** The session has output pending (see the session's output function). */
#define MW_WANT_WRITE 0x2u
/** The transport must run the TLS handshake now, before any other I/O. */
#define MW_WANT_TLS 0x4u
/** The conversation is over: flush pending output, then close. */
#define MW_WANT_CLOSE 0x8u
/** @} */

#ifdef __cplusplus
}
#endif

#include "mailwire/codec.h"
#include "mailwire/utf.h"

#endif /* MAILWIRE_CORE_H */
