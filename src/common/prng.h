/*
 * prng.h — counter-based pseudo-random numbers for reproducible runs.
 *
 * A value depends only on (seed, stream, index), never on call order, so a lottery or a
 * generated municipality can be recomputed from the stored seed alone, in any order and in
 * parallel.  Pure C: no PostgreSQL dependencies.
 */
#ifndef SKOLVAL_PRNG_H
#define SKOLVAL_PRNG_H

#include <stddef.h>
#include <stdint.h>

/* SplitMix64 finaliser: a bijective 64-bit mixer with good avalanche. */
uint64_t	sv_mix64(uint64_t x);

/* FNV-1a hash of a byte string, used to turn a stream name into a number. */
uint64_t	sv_hash_bytes(const char *data, size_t len);

/* 64 random bits for (seed, stream, index). */
uint64_t	sv_random_u64(uint64_t seed, uint64_t stream, uint64_t index);

/* A double uniformly distributed in [0, 1), with 53 random bits. */
double		sv_random_unit(uint64_t seed, uint64_t stream, uint64_t index);

#endif
