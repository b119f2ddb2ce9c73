package memfile

// FreeBSD/i386 struct stat: 32-bit time_t, so each timespec is 8 bytes
// after an int32 *_ext word (sys/sys/stat.h, __STAT_TIME_T_EXT).
const (
	statSizeOff = 96
	statSize    = 208
)
