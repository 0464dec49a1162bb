/* nginx_zlib.c: the per-response cost of nginx's gzip filter on a body,
 * without nginx: zlib called as ngx_http_gzip_filter_module calls it
 * (deflateInit2 with the window and hash shrunk to the known length, raw
 * deflate, crc32 for the gzip trailer, deflateEnd), in a loop.
 * Build and run (doc.go, "Measurements"):
 *   gcc -O2 -o /tmp/nginx_zlib nginx_zlib.c -lz && /tmp/nginx_zlib api16k.json 1
 */
#include <zlib.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
int main(int argc,char**argv){
  if(argc<3){fprintf(stderr,"usage: %s FILE LEVEL\n",argv[0]);return 2;}
  FILE*f=fopen(argv[1],"rb"); static unsigned char in[1<<16], out[1<<16]; size_t n=fread(in,1,sizeof in,f);
  int level=atoi(argv[2]); int wbits=15, mem=8; /* nginx gzip_window 32k, gzip_hash 128k, then shrunk to the known length */
  while (n < (size_t)(1 << (wbits - 1)) && wbits > 9) { wbits--; mem--; }
  if (mem < 1) mem = 1;
  long N=20000; size_t outn=0;
  struct timespec a,b; clock_gettime(CLOCK_MONOTONIC,&a);
  for(long i=0;i<N;i++){ z_stream s={0}; deflateInit2(&s,level,Z_DEFLATED,-wbits,mem,Z_DEFAULT_STRATEGY);
    s.next_in=in; s.avail_in=n; s.next_out=out; s.avail_out=sizeof out; deflate(&s,Z_FINISH); outn=sizeof out - s.avail_out; crc32(crc32(0,0,0),in,n); deflateEnd(&s);}
  clock_gettime(CLOCK_MONOTONIC,&b); double ns=((b.tv_sec-a.tv_sec)*1e9+(b.tv_nsec-a.tv_nsec))/N;
  printf("zlib %s level %d wbits %d memlevel %d: %zu -> %zu (+18 gzip) ratio %.3f  %.0f ns/response  %.1f MB/s\n", zlibVersion(), level, wbits, mem, n, outn, (double)n/(outn+18), ns, n/ns*1e3);
}
