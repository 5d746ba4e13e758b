/**
 * \file export.h
 * \brief Symbol visibility: MW_API marks the exported public interface.
 *
 * The library is built with hidden visibility; only declarations marked
 * MW_API are exported from libmailwire.so.
 */
#ifndef MAILWIRE_EXPORT_H
#define MAILWIRE_EXPORT_H

#if defined(_WIN32)
#if defined(MW_BUILDING_LIBRARY) && !defined(MW_STATIC)
#define MW_API __declspec(dllexport)
#else
#define MW_API
#endif
#elif defined(__GNUC__) || defined(__clang__)
#define MW_API __attribute__((visibility("default")))
#else
#define MW_API
#endif

#endif /* MAILWIRE_EXPORT_H */
