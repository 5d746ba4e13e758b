/**
 * \file msgtree.h
 * \brief Whole-message tree API: parse a message held in memory into a
 *        tree of MIME entities with their headers and decoded bodies.
 *
 * A convenience layer over the streaming parser (mime.h) for callers who
 * have the whole message as bytes and do not want to handle events. The
 * tree holds exactly what the parser's events say: one entity per
 * ENTITY_BEGIN, in the same depth-first order, with the entity's header
 * fields (raw, in order), its parsed mw_mime_info, its defects, and the
 * concatenated bytes of its BODY (leaves), PREAMBLE and EPILOGUE
 * (multiparts) events.
 *
 * \par Memory
 * Everything the tree holds, the tree object included, lives in one arena:
 * blocks obtained from the caller's allocator as the tree grows (each at
 * least mw_msg_tree_config::block_size bytes) and released all at once by
 * mw_msg_tree_free(). Nothing points into the caller's input after
 * mw_msg_tree_parse() returns. Every view returned by the lookup functions
 * stays valid until mw_msg_tree_free().
 *
 * \par Limits
 * The streaming parser's limits apply unchanged (header line length,
 * header count, nesting depth, number of entities; what is beyond them is
 * reported as a defect, not an error). mw_msg_tree_config::arena_max bounds
 * the total size of the arena: a message needing more is refused with
 * #MW_E_LIMIT.
 */
#ifndef MAILWIRE_MSGTREE_H
#define MAILWIRE_MSGTREE_H

#include <stddef.h>
#include <stdint.h>

#include "mailwire/core.h"
#include "mailwire/mime.h"
#include "mailwire/msg.h"

#ifdef __cplusplus
extern "C" {
#endif

/** \brief Tree configuration. A NULL configuration means all defaults. */
typedef struct mw_msg_tree_config {
    uint32_t size;  /**< sizeof(mw_msg_tree_config) as the caller knew it. */
    uint32_t flags; /**< 0 or #MW_MIME_RAW_BODY (bodies kept as raw bytes
                         instead of transfer-decoded). */
    const mw_limits *limits; /**< Parser limits (NULL: defaults). Only read
                                  during mw_msg_tree_parse(). */
    size_t block_size;       /**< Smallest arena block in bytes (0: 16 KiB).
                                  Larger objects get a block of their own. */
    size_t arena_max;        /**< Most bytes the arena may hold in all its
                                  blocks (0: no bound). The arena needs
                                  about the input's size plus a small
                                  constant per entity and header field, at
                                  most twice that while bodies grow. */
} mw_msg_tree_config;

/** \brief A parsed message (opaque). */
typedef struct mw_msg_tree mw_msg_tree;

/** \brief One MIME entity of a tree (opaque). */
typedef struct mw_msg_entity mw_msg_entity;

/**
 * \brief Parse a whole message into a tree.
 * \param msg The message bytes (may be NULL when \p len is 0). Not kept.
 * \param len Its length.
 * \param cfg Configuration or NULL for defaults (not kept).
 * \param a Allocator for the arena, or NULL for libc; it must outlive the
 *        tree.
 * \param out Receives the tree; free it with mw_msg_tree_free(). Set to
 *        NULL on failure.
 * \return #MW_OK; #MW_E_NOMEM (an allocation failed, nothing leaked);
 *         #MW_E_LIMIT (the arena would exceed \c arena_max);
 *         #MW_E_ARG (\p out NULL, \p msg NULL with \p len > 0, unknown
 *         flag, bad \c size). Malformed mail is never an error: it is
 *         parsed as the streaming parser parses it, with defect flags.
 */
MW_API mw_status mw_msg_tree_parse(const void *msg, size_t len,
                                   const mw_msg_tree_config *cfg,
                                   const mw_allocator *a, mw_msg_tree **out);

/** \brief Free a tree and every view into it, at once; NULL is allowed. */
MW_API void mw_msg_tree_free(mw_msg_tree *t);

/** \brief The root entity (the message itself); never NULL for a parsed
 *         tree (an empty input still has a root, with the empty defect). */
MW_API const mw_msg_entity *mw_msg_tree_root(const mw_msg_tree *t);

/** \brief Number of entities in the tree (the root included). */
MW_API size_t mw_msg_tree_entity_count(const mw_msg_tree *t);

/** \brief Bytes the arena holds (all blocks, allocated size). */
MW_API size_t mw_msg_tree_arena_size(const mw_msg_tree *t);

/**
 * \brief Depth-first (pre-order) iteration over all entities: the order
 *        the parser began them, containers before their children.
 * \param e The current entity.
 * \return The next entity, or NULL after the last one.
 */
MW_API const mw_msg_entity *mw_msg_entity_next(const mw_msg_entity *e);

/** \brief The enclosing entity, or NULL for the root. The root of an
 *         embedded message has its message/rfc822 entity as parent. */
MW_API const mw_msg_entity *mw_msg_entity_parent(const mw_msg_entity *e);

/** \brief First child (parts of a multipart, the embedded root of a
 *         message/rfc822 entity), or NULL for a leaf. */
MW_API const mw_msg_entity *mw_msg_entity_first_child(const mw_msg_entity *e);

/** \brief The next entity with the same parent, or NULL. */
MW_API const mw_msg_entity *mw_msg_entity_next_sibling(const mw_msg_entity *e);

/** \brief Number of children of \p e. */
MW_API size_t mw_msg_entity_child_count(const mw_msg_entity *e);

/** \brief Nesting depth (root 0), as in mw_mime_event::depth. */
MW_API uint32_t mw_msg_entity_depth(const mw_msg_entity *e);

/** \brief IMAP part number ("" for the root, "2.1"), as in
 *         mw_mime_event::part. */
MW_API mw_span mw_msg_entity_part(const mw_msg_entity *e);

/**
 * \brief What the entity's headers say: content type, charset, boundary,
 *        transfer encoding, disposition, Content-ID, filename (quotes
 *        removed, not RFC 2231/2047-decoded: use mw_msg_entity_param())
 *        and the raw Content-Type and Content-Disposition values, exactly as
 *        the HEADERS_END event reported them.
 * \return A view valid until mw_msg_tree_free(); never NULL.
 */
MW_API const mw_mime_info *mw_msg_entity_info(const mw_msg_entity *e);

/** \brief Every MW_MIME_DEFECT_* of the entity (headers and body), as its
 *         ENTITY_END event reported them. */
MW_API uint32_t mw_msg_entity_defects(const mw_msg_entity *e);

/**
 * \brief Body bytes of a leaf: transfer-decoded (raw with
 *        #MW_MIME_RAW_BODY), line ends as in the input, the line end before
 *        a delimiter line excluded.
 * \return A view (pointer non-NULL even when empty) valid until
 *         mw_msg_tree_free(); empty for multiparts and message entities.
 */
MW_API mw_span mw_msg_entity_body(const mw_msg_entity *e);

/** \brief Raw preamble of a multipart (empty when none or not a
 *         multipart); valid until mw_msg_tree_free(). */
MW_API mw_span mw_msg_entity_preamble(const mw_msg_entity *e);

/** \brief Raw epilogue of a multipart (empty when none or not a
 *         multipart); valid until mw_msg_tree_free(). */
MW_API mw_span mw_msg_entity_epilogue(const mw_msg_entity *e);

/**
 * \brief Number of header fields of \p e named \p name.
 * \param e The entity.
 * \param name NUL-terminated field name, matched ignoring ASCII case; NULL
 *        counts every field.
 * \return The count.
 */
MW_API size_t mw_msg_header_count(const mw_msg_entity *e, const char *name);

/**
 * \brief The \p n th (from 0) header field of \p e named \p name, in the
 *        order of the message.
 * \param e The entity.
 * \param name NUL-terminated field name ignoring ASCII case; NULL means any
 *        field (so \p n indexes all fields).
 * \param n Index among the matching fields.
 * \param name_out Optional; receives the field name as written.
 * \param value_out Receives the raw value (everything after the colon:
 *        leading whitespace and folding line breaks kept, as in
 * mw_mime_event::value; unfold it with mw_header_unfold()). Views valid until
 * mw_msg_tree_free(). \return #MW_OK; #MW_DONE (fewer than n + 1 such fields;
 * outputs unchanged); #MW_E_ARG (\p e or \p value_out NULL).
 */
MW_API mw_status mw_msg_header_nth(const mw_msg_entity *e, const char *name,
                                   size_t n, mw_span *name_out,
                                   mw_span *value_out);

/**
 * \brief The first header field of \p e named \p name (same as
 *        mw_msg_header_nth() with \p n 0).
 * \return #MW_OK, #MW_DONE (absent), #MW_E_ARG (a NULL argument).
 */
MW_API mw_status mw_msg_header_first(const mw_msg_entity *e, const char *name,
                                     mw_span *value_out);

/** \brief Which header mw_msg_entity_param() reads: Content-Type. */
#define MW_MSG_PARAM_CONTENT_TYPE 0u
/** \brief Which header mw_msg_entity_param() reads: Content-Disposition. */
#define MW_MSG_PARAM_DISPOSITION 1u

/**
 * \brief One parameter of the entity's Content-Type or
 *        Content-Disposition, RFC 2231 and RFC 2047-decoded to UTF-8 (as
 *        mw_mime_param_get() decodes it).
 * \param e The entity.
 * \param which #MW_MSG_PARAM_CONTENT_TYPE or #MW_MSG_PARAM_DISPOSITION.
 * \param name NUL-terminated parameter name (no `*` suffix).
 * \param hook Optional converter for charsets that are not built in.
 * \param out Receives the value (all or nothing).
 * \return #MW_OK; #MW_DONE (header or parameter absent); #MW_E_NOSPACE;
 *         #MW_E_NOMEM; #MW_E_ARG.
 */
MW_API mw_status mw_msg_entity_param(const mw_msg_entity *e, uint32_t which,
                                     const char *name,
                                     const mw_charset_hook *hook, mw_buf *out);

/**
 * \brief The entity's file name: Content-Disposition filename, else
 *        Content-Type name, RFC 2231 and 2047-decoded to UTF-8.
 * \return #MW_OK; #MW_DONE (neither present); #MW_E_NOSPACE; #MW_E_NOMEM;
 *         #MW_E_ARG.
 */
MW_API mw_status mw_msg_entity_filename(const mw_msg_entity *e,
                                        const mw_charset_hook *hook,
                                        mw_buf *out);

#ifdef __cplusplus
}
#endif

#endif /* MAILWIRE_MSGTREE_H */
