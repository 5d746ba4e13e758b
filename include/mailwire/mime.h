/**
 * \file mime.h
 * \brief Streaming RFC 5322 / MIME pull parser (sans-IO, constant memory).
 *
 * The caller feeds the bytes of one message in chunks of any size and
 * pulls events: entity begin, header field, end of headers (with the
 * entity's parsed Content-Type, Content-Transfer-Encoding,
 * Content-Disposition and Content-ID), body data (transfer-decoded unless
 * #MW_MIME_RAW_BODY), preamble, epilogue, entity end and end of message.
 * Any chunking of the same input gives the same events (only the split of
 * body data into BODY, PREAMBLE and EPILOGUE events may differ).
 *
 * \par Entities, depth and part numbers
 * The message itself is the root entity: depth 0, part number "" (the
 * IMAP section of the whole message). The children of a multipart entity
 * with part number P are numbered P.1, P.2, ... ("1", "2", ... when P is
 * empty) and have depth + 1. The body of a message/rfc822 or
 * message/global entity is an embedded message: its root is an entity of
 * its own at depth + 1 that carries the \em same part number as the
 * enclosing message entity, so its children are numbered below it exactly
 * as IMAP numbers them (part "2" is message/rfc822, "2.1" is the first
 * part of the embedded multipart). Following IMAP, the body of a
 * non-multipart entity whose part number is P is addressed as section
 * P.1 ("1" for the top-level message); the parser reports no separate
 * entity for it.
 *
 * \par Memory
 * Memory never grows with the size of the message; it is bounded by the
 * #mw_limits given in the configuration (header_line_max, boundary_max,
 * mime_depth_max) and fixed internal buffers of a few KB. Everything is
 * allocated when the parser is created, so parsing never allocates and
 * mw_mime_parser_init_in() can place the whole parser in caller storage.
 *
 * \par Broken mail
 * Real-world mail is broken in many ways; the parser tolerates what the
 * major readers tolerate and reports each problem as an MW_MIME_DEFECT_*
 * flag on the entity where it occurred instead of failing.
 */
#ifndef MAILWIRE_MIME_H
#define MAILWIRE_MIME_H

#include <stddef.h>
#include <stdint.h>

#include "mailwire/core.h"

#ifdef __cplusplus
extern "C" {
#endif

/** \brief Config flag: BODY events carry the raw body bytes instead of the
 *         transfer-decoded ones. */
#define MW_MIME_RAW_BODY 0x1u

/** \brief Parser configuration. A NULL configuration means all defaults. */
typedef struct mw_mime_config {
    uint32_t size;  /**< sizeof(mw_mime_config) as the caller knew it. */
    uint32_t flags; /**< 0 or #MW_MIME_RAW_BODY. */
    const mw_limits *limits; /**< Limits (NULL: defaults). Only read while
                                  the parser is created. */
} mw_mime_config;

/** \brief Opaque streaming MIME parser. */
typedef struct mw_mime_parser mw_mime_parser;

/** \name Event types (mw_mime_event::type)
 * @{ */
/** \brief An entity starts: \c depth, \c part, \c offset of its first
 *         header byte. */
#define MW_MIME_EV_ENTITY_BEGIN 1u
/** \brief One header field: \c name and raw \c value. */
#define MW_MIME_EV_HEADER 2u
/** \brief The header block ended: \c info describes the entity,
 *         \c offset is where its body starts. */
#define MW_MIME_EV_HEADERS_END 3u
/** \brief A chunk of a leaf body in \c data. */
#define MW_MIME_EV_BODY 4u
/** \brief Raw bytes of a multipart's preamble in \c data. */
#define MW_MIME_EV_PREAMBLE 5u
/** \brief Raw bytes of a multipart's epilogue in \c data. */
#define MW_MIME_EV_EPILOGUE 6u
/** \brief An entity ended: \c depth, \c part, all its \c defects,
 *         \c offset just past its body. */
#define MW_MIME_EV_ENTITY_END 7u
/** \brief The message ended (the next call returns #MW_DONE);
 *         \c offset is the length of the stream. */
#define MW_MIME_EV_END 8u
/** @} */

/** \name Entity kinds (mw_mime_info::kind)
 * @{ */
/** \brief A leaf: BODY events follow the headers. */
#define MW_MIME_KIND_LEAF 0u
/** \brief A multipart: PREAMBLE, child entities and EPILOGUE follow. */
#define MW_MIME_KIND_MULTIPART 1u
/** \brief message/rfc822 or message/global: one embedded message (an
 *         entity at depth + 1 with the same part number) follows. */
#define MW_MIME_KIND_MESSAGE 2u
/** @} */

/** \name Transfer encodings (mw_mime_info::encoding)
 * @{ */
/** \brief 7bit, 8bit, binary or no Content-Transfer-Encoding. */
#define MW_MIME_CTE_IDENTITY 0u
/** \brief base64. */
#define MW_MIME_CTE_BASE64 1u
/** \brief quoted-printable. */
#define MW_MIME_CTE_QP 2u
/** \brief An encoding mailwire does not know: the body passes raw. */
#define MW_MIME_CTE_UNKNOWN 3u
/** @} */

/** \name Entity defects (mw_mime_info::defects, mw_mime_event::defects)
 * @{ */
/** \brief A header or delimiter line ended in a bare LF (accepted). */
#define MW_MIME_DEFECT_BARE_LF 0x1u
/** \brief Multipart closed by an outer boundary or the end of input
 *         without its close delimiter. */
#define MW_MIME_DEFECT_NO_FINAL_BOUNDARY 0x2u
/** \brief A delimiter line had non-whitespace junk after the boundary
 *         (accepted as a delimiter). */
#define MW_MIME_DEFECT_BOUNDARY_JUNK 0x4u
/** \brief A message root without a MIME-Version field (parsed as MIME
 *         anyway). */
#define MW_MIME_DEFECT_NO_MIME_VERSION 0x8u
/** \brief A header field contains bytes >= 0x80. */
#define MW_MIME_DEFECT_8BIT_HEADER 0x10u
/** \brief Bad base64 in the body (garbage skipped, truncated group, data
 *         after padding). */
#define MW_MIME_DEFECT_BAD_BASE64 0x20u
/** \brief Bad quoted-printable in the body (malformed escape, raw 8-bit
 *         byte, long line). */
#define MW_MIME_DEFECT_BAD_QP 0x40u
/** \brief multipart/ * without a usable boundary parameter: treated as a
 *         text/plain leaf. */
#define MW_MIME_DEFECT_NO_BOUNDARY 0x80u
/** \brief A line that is not a header field ended the header block and
 *         became the first body line (no blank line before the body). */
#define MW_MIME_DEFECT_NO_SEPARATOR 0x100u
/** \brief A header line was skipped: a continuation line before any field,
 *         an empty field name, or a misplaced "From " line. */
#define MW_MIME_DEFECT_BAD_HEADER 0x200u
/** \brief A NUL byte in a header field. */
#define MW_MIME_DEFECT_NUL 0x400u
/** \brief A message root with neither header fields nor body. */
#define MW_MIME_DEFECT_EMPTY 0x800u
/** \brief A header field longer than header_line_max was truncated. */
#define MW_MIME_DEFECT_LONG_HEADER 0x1000u
/** \brief Fields beyond header_count_max or header_bytes_max were
 *         dropped (not reported, not interpreted). */
#define MW_MIME_DEFECT_TOO_MANY_HEADERS 0x2000u
/** \brief Nesting beyond mime_depth_max: this multipart or message entity
 *         is reported as a leaf. */
#define MW_MIME_DEFECT_TOO_DEEP 0x4000u
/** \brief Entities beyond mime_parts_max: the rest of this multipart is
 *         reported as epilogue, or this message entity as a leaf. */
#define MW_MIME_DEFECT_TOO_MANY_PARTS 0x8000u
/** \brief An unknown Content-Transfer-Encoding: the body passes raw. */
#define MW_MIME_DEFECT_UNKNOWN_CTE 0x10000u
/** \brief A Content-Type that is not "type/subtype": the default type is
 *         reported instead. */
#define MW_MIME_DEFECT_BAD_CONTENT_TYPE 0x20000u
/** \brief A multipart had no delimiter line at all: everything was
 *         preamble. */
#define MW_MIME_DEFECT_NO_START_BOUNDARY 0x40000u
/** @} */

/**
 * \brief What the headers of an entity say (the HEADERS_END event).
 *
 * Absent values are spans with a NULL pointer and length 0; a value that
 * is present but empty has a non-NULL pointer. Views are valid until the
 * next call on the parser.
 */
typedef struct mw_mime_info {
    uint32_t kind;             /**< MW_MIME_KIND_*. */
    uint32_t encoding;         /**< MW_MIME_CTE_* the body is decoded with. */
    uint32_t defects;          /**< MW_MIME_DEFECT_* found in the headers. */
    uint32_t reserved;         /**< Zero. */
    mw_span content_type;      /**< Lower-case "type/subtype"; never absent: the
                                    RFC 2045/2046 default when the field is
                                    absent (text/plain, or message/rfc822 in a
                                    multipart/digest) and text/plain when it is
                                    invalid. */
    mw_span charset;           /**< Content-Type charset, quotes removed. */
    mw_span boundary;          /**< Content-Type boundary, quotes removed. */
    mw_span transfer_encoding; /**< Lower-case Content-Transfer-Encoding
                                    token. */
    mw_span disposition;       /**< Lower-case Content-Disposition type. */
    mw_span content_id;        /**< Content-ID, surrounding whitespace
                                    trimmed. */
    mw_span filename;          /**< Content-Disposition filename, else
                                    Content-Type name, quotes removed (no RFC
                                    2231/2047 decoding). */
    mw_span content_type_raw;  /**< Raw Content-Type value (for RFC 2231
                                    decoding of its parameters). */
    mw_span disposition_raw;   /**< Raw Content-Disposition value. */
} mw_mime_info;

/**
 * \brief One parser event. Only the fields the event type names are
 *        meaningful; the others are zero, except \c info, which is
 *        unspecified for every event type but #MW_MIME_EV_HEADERS_END (it
 *        is not cleared for each header field). Views are valid until the
 *        next call on the parser.
 */
typedef struct mw_mime_event {
    uint32_t type;     /**< MW_MIME_EV_*. */
    uint32_t depth;    /**< Nesting depth of the entity (root 0). */
    uint32_t defects;  /**< ENTITY_END: every MW_MIME_DEFECT_* of the
                            entity (headers and body). */
    uint32_t reserved; /**< Zero. */
    uint64_t offset;   /**< Stream offset, see the event types (0 for data
                            events). */
    mw_span part;      /**< IMAP part number ("" for the root, "2.1"). */
    mw_span name;      /**< HEADER: field name (before the colon, trailing
                            whitespace removed). */
    mw_span value;     /**< HEADER: raw value after the colon, folding line
                            breaks kept as received, without the final line
                            break. */
    mw_span data;      /**< BODY, PREAMBLE, EPILOGUE: the bytes. */
    mw_mime_info info; /**< HEADERS_END: the entity's parsed headers
                            (unspecified for the other event types). */
} mw_mime_event;

/**
 * \brief Create a parser on the heap.
 * \param cfg Configuration or NULL for defaults (not kept).
 * \param a Allocator or NULL for libc; it must outlive the parser.
 * \param out Receives the parser; free it with mw_mime_parser_free().
 * \return #MW_OK, #MW_E_NOMEM, #MW_E_ARG (\p out NULL, unknown flag).
 */
MW_API mw_status mw_mime_parser_new(const mw_mime_config *cfg,
                                    const mw_allocator *a,
                                    mw_mime_parser **out);

/** \brief Free a parser made by mw_mime_parser_new(); NULL is allowed. A
 *         parser placed with mw_mime_parser_init_in() needs no freeing. */
MW_API void mw_mime_parser_free(mw_mime_parser *p);

/**
 * \brief Bytes of caller storage mw_mime_parser_init_in() needs for \p cfg
 *        (NULL: defaults). Depends only on the limits and is at most a few
 *        KB plus about 5 * header_line_max + mime_depth_max *
 *        boundary_max.
 * \return The size in bytes, or 0 when \p cfg is invalid.
 */
MW_API size_t mw_mime_parser_sizeof(const mw_mime_config *cfg);

/**
 * \brief Place a parser in caller storage (no heap use at all).
 * \param mem Storage of at least mw_mime_parser_sizeof(cfg) bytes, aligned
 *        for any object (as malloc returns); the caller owns it and must
 *        keep it while the parser is used. Discard it without a free call.
 * \param len Size of \p mem.
 * \param cfg Configuration or NULL (must be the same as given to
 *        mw_mime_parser_sizeof()).
 * \param out Receives the parser (== \p mem).
 * \return #MW_OK, #MW_E_NOSPACE (\p len too small), #MW_E_ARG.
 */
MW_API mw_status mw_mime_parser_init_in(void *mem, size_t len,
                                        const mw_mime_config *cfg,
                                        mw_mime_parser **out);

/**
 * \brief Feed bytes and pull the next event.
 *
 * Call repeatedly with the unconsumed rest of the chunk: each call
 * consumes some of \p data (*consumed bytes, possibly 0) and returns an
 * event, or consumes everything and asks for more. Views in \p ev point
 * into \p data or into the parser and are valid until the next call on
 * \p p.
 * \param p The parser.
 * \param data Input bytes (may be NULL when \p len is 0).
 * \param len Number of input bytes; must be 0 after mw_mime_finish().
 * \param consumed Receives how many bytes of \p data were used.
 * \param ev Receives the event when #MW_OK is returned.
 * \return #MW_OK (\p ev filled), #MW_NEED_MORE (all of \p data consumed;
 *         feed more or call mw_mime_finish()), #MW_DONE (after
 *         mw_mime_finish() and the END event), #MW_E_ARG (NULL pointers),
 *         #MW_E_STATE (\p len > 0 after mw_mime_finish()). The parser never
 * fails on malformed input; #MW_E_LIMIT and #MW_E_NOMEM are not returned by
 * this version (all memory is reserved up front) but callers should treat any
 *         negative status as fatal.
 */
MW_API mw_status mw_mime_parse(mw_mime_parser *p, const void *data, size_t len,
                               size_t *consumed, mw_mime_event *ev);

/**
 * \brief Declare the end of input. Then call mw_mime_parse(p, NULL, 0,
 *        ...) until it returns #MW_DONE to get the remaining events (open
 *        entities are closed, a missing close delimiter is a defect).
 * \return #MW_OK, #MW_E_ARG (\p p NULL).
 */
MW_API mw_status mw_mime_finish(mw_mime_parser *p);

/** \brief Stream offset: input bytes consumed so far. */
MW_API uint64_t mw_mime_parser_offset(const mw_mime_parser *p);

/**
 * \brief Iterate the parameters of a raw Content-Type or
 *        Content-Disposition value.
 *
 * The leading "type/subtype" or disposition type is skipped. Comments and
 * folding whitespace are skipped; a malformed parameter is skipped up to
 * the next ';'. A quoted-string value has its quotes removed; when it
 * contains quoted-pairs, the unescaped value is appended to \p scratch and
 * \p param_value points there (valid until \p scratch changes again),
 * otherwise \p param_value points into \p value.
 * \param value The raw header value.
 * \param value_len Its length.
 * \param pos Iterator state: set to 0 before the first call.
 * \param param_name Receives the parameter name (view into \p value, case
 *        as written).
 * \param param_value Receives the value.
 * \param scratch Buffer for unescaped values; may be NULL, then the
 *        value of a quoted-string with quoted-pairs is returned raw
 *        without its quotes.
 * \return #MW_OK (a parameter), #MW_DONE (no more), #MW_E_NOSPACE or
 *         #MW_E_NOMEM (from \p scratch; *pos unchanged), #MW_E_ARG.
 */
MW_API mw_status mw_mime_param_next(const char *value, size_t value_len,
                                    size_t *pos, mw_span *param_name,
                                    mw_span *param_value, mw_buf *scratch);

/**
 * \brief Name of one MW_MIME_DEFECT_* flag, e.g. "no-final-boundary".
 * \return A static string, or NULL when \p flag is not exactly one known
 *         defect bit.
 */
MW_API const char *mw_mime_defect_name(uint32_t flag);

#ifdef __cplusplus
}
#endif

#endif /* MAILWIRE_MIME_H */
