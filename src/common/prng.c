/*
 * prng.c — counter-based pseudo-random numbers (see prng.h).
 */
#include "common/prng.h"

#define SV_GOLDEN_GAMMA UINT64_C(0x9E3779B97F4A7C15)

uint64_t
sv_mix64(uint64_t x)
{
	x += SV_GOLDEN_GAMMA;
	x = (x ^ (x >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
	x = (x ^ (x >> 27)) * UINT64_C(0x94D049BB133111EB);
	return x ^ (x >> 31);
}

uint64_t
sv_hash_bytes(const char *data, size_t len)
{
	uint64_t	h = UINT64_C(0xCBF29CE484222325);

	for (size_t i = 0; i < len; i++)
	{
		h ^= (unsigned char) data[i];
		h *= UINT64_C(0x100000001B3);
	}
	return h;
}

uint64_t
sv_random_u64(uint64_t seed, uint64_t stream, uint64_t index)
{
	/* Chain the mixer so that nearby seeds, streams and indexes give unrelated values. */
	return sv_mix64(sv_mix64(sv_mix64(seed) ^ stream) ^ index);
}

double
sv_random_unit(uint64_t seed, uint64_t stream, uint64_t index)
{
	return (double) (sv_random_u64(seed, stream, index) >> 11) * (1.0 / 9007199254740992.0);
}
