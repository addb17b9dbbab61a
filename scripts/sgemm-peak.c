#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
static double now(){struct timespec t;clock_gettime(CLOCK_MONOTONIC,&t);return t.tv_sec+t.tv_nsec*1e-9;}
void run(int M,int N,int K,int threads,int ta){
  float*A=malloc(4L*M*K),*B=malloc(4L*K*N),*C=malloc(4L*M*N);
  for(long i=0;i<(long)M*K;i++)A[i]=1e-3*(i%7);for(long i=0;i<(long)K*N;i++)B[i]=1e-3*(i%5);
  openblas_set_num_threads(threads);
  int reps=0;double t0=now(),t;
  do{ if(ta) cblas_sgemm(CblasRowMajor,CblasTrans,CblasNoTrans,M,N,K,1,A,M,B,N,0,C,N); else cblas_sgemm(CblasRowMajor,CblasNoTrans,CblasNoTrans,M,N,K,1,A,K,B,N,0,C,N);reps++;t=now()-t0;}while(t<0.5);
  printf("M=%d N=%d K=%d thr=%d ta=%d: %.1f GFLOP/s\n",M,N,K,threads,ta,2.0*M*N*K*reps/t/1e9);
  free(A);free(B);free(C);
}
int main(){run(2048,2048,2048,2,0);run(2048,2048,2048,1,0);run(64,256,1600,1,0);run(64,1024,75,1,0);run(1600,256,64,1,1);run(64,32768,1600,2,0);run(64,8192,1600,1,0);return 0;}
