/* Reports of an estimate: text table, JSON, CSV and an SVG chart. */
#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flexmac/hw.h"

static const char *ds_names[FM_DS_COUNT] = {"inputs", "weights", "outputs"};

void fm_hw_write_table(const fm_hw_result *r, FILE *f)
{
    fprintf(f, "net %s  arch %s  arith %s\n", r->net, r->arch, r->arith);
    fprintf(f, "%-28s %12s %6s %12s %10s %6s %6s %10s %10s %10s %10s %10s %7s\n", "layer", "MACs",
            "folds", "cycles", "stalls", "util", "map", "E_mac_uJ", "E_buf_uJ", "E_dram_uJ",
            "E_leak_uJ", "E_tot_uJ", "speedup");
    for (int i = 0; i < r->n; i++) {
        const fm_hw_layer_result *l = &r->layers[i];
        fprintf(f, "%-28.28s %12lld %6lld %12lld %10lld %6.3f %6.3f %10.3f %10.3f %10.3f %10.3f "
                   "%10.3f %7.3f\n",
                l->name, (long long)l->macs, (long long)l->folds, (long long)l->total_cycles,
                (long long)l->stall_cycles, l->util, l->map_util, l->e.mac * 1e-6,
                l->e.buffers * 1e-6, l->e.dram * 1e-6, l->e.leakage * 1e-6, l->e.total * 1e-6,
                (double)l->base_cycles / (double)l->total_cycles);
    }
    const fm_hw_totals *t = &r->tot;
    fprintf(f,
            "%-28s %12lld %6s %12lld %10lld %6.3f %6s %10.3f %10.3f %10.3f %10.3f %10.3f %7.3f\n",
            "TOTAL", (long long)t->macs, "", (long long)t->total_cycles,
            (long long)t->stall_cycles, t->util, "", t->e.mac * 1e-6, t->e.buffers * 1e-6,
            t->e.dram * 1e-6, t->e.leakage * 1e-6, t->e.total * 1e-6, r->speedup);
    fprintf(f, "time %.1f us; DRAM %.3f MB (in %.3f, w %.3f, out %.3f)\n", t->time_us,
            (t->dram_bytes[0] + t->dram_bytes[1] + t->dram_bytes[2]) * 1e-6,
            t->dram_bytes[0] * 1e-6, t->dram_bytes[1] * 1e-6, t->dram_bytes[2] * 1e-6);
    fprintf(f, "vs FxP8 on the same array: speed-up %.3fx, energy %.3fx (baseline %lld cycles, "
               "%.3f uJ)\n",
            r->speedup, r->energy_ratio, (long long)r->base.total_cycles, r->base.e.total * 1e-6);
}

static cJSON *energy_json(const fm_hw_energy_split *e)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "mac_pj", e->mac);
    cJSON_AddNumberToObject(o, "buffers_pj", e->buffers);
    cJSON_AddNumberToObject(o, "dram_pj", e->dram);
    cJSON_AddNumberToObject(o, "leakage_pj", e->leakage);
    cJSON_AddNumberToObject(o, "total_pj", e->total);
    return o;
}

static cJSON *traffic_json(const int64_t *rd, const int64_t *wr, const double *dram)
{
    cJSON *o = cJSON_CreateObject();
    for (int d = 0; d < FM_DS_COUNT; d++) {
        cJSON *x = cJSON_AddObjectToObject(o, ds_names[d]);
        cJSON_AddNumberToObject(x, "buffer_reads", (double)rd[d]);
        cJSON_AddNumberToObject(x, "buffer_writes", (double)wr[d]);
        cJSON_AddNumberToObject(x, "dram_bytes", dram[d]);
    }
    return o;
}

static cJSON *totals_json(const fm_hw_totals *t)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "macs", (double)t->macs);
    cJSON_AddNumberToObject(o, "compute_cycles", (double)t->compute_cycles);
    cJSON_AddNumberToObject(o, "stall_cycles", (double)t->stall_cycles);
    cJSON_AddNumberToObject(o, "total_cycles", (double)t->total_cycles);
    cJSON_AddNumberToObject(o, "utilization", t->util);
    cJSON_AddNumberToObject(o, "time_us", t->time_us);
    cJSON_AddItemToObject(o, "traffic", traffic_json(t->buf_reads, t->buf_writes, t->dram_bytes));
    cJSON_AddItemToObject(o, "energy", energy_json(&t->e));
    return o;
}

static fm_status write_text(const char *path, const char *text, fm_error *err)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return fm_error_set(err, FM_ERR_IO, "%s: cannot write: %s", path, strerror(errno));
    size_t n = strlen(text);
    int bad = fwrite(text, 1, n, f) != n;
    bad |= fclose(f) != 0;
    return bad ? fm_error_set(err, FM_ERR_IO, "%s: write failed", path) : FM_OK;
}

fm_status fm_hw_write_json(const fm_hw_result *r, const char *path, fm_error *err)
{
    cJSON *root = cJSON_CreateObject();
    if (!root)
        return fm_error_set(err, FM_ERR_NOMEM, "out of memory");
    cJSON_AddStringToObject(root, "net", r->net);
    cJSON_AddStringToObject(root, "arch", r->arch);
    cJSON_AddStringToObject(root, "arith", r->arith);
    cJSON *layers = cJSON_AddArrayToObject(root, "layers");
    for (int i = 0; i < r->n; i++) {
        const fm_hw_layer_result *l = &r->layers[i];
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "name", l->name);
        cJSON_AddNumberToObject(o, "macs", (double)l->macs);
        cJSON_AddNumberToObject(o, "Sr", (double)l->Sr);
        cJSON_AddNumberToObject(o, "Sc", (double)l->Sc);
        cJSON_AddNumberToObject(o, "T", (double)l->T);
        cJSON_AddNumberToObject(o, "folds", (double)l->folds);
        cJSON_AddNumberToObject(o, "cycles_per_mac", (double)l->cpm_num / l->cpm_den);
        cJSON_AddNumberToObject(o, "compute_cycles", (double)l->compute_cycles);
        cJSON_AddNumberToObject(o, "stall_cycles", (double)l->stall_cycles);
        cJSON_AddNumberToObject(o, "total_cycles", (double)l->total_cycles);
        cJSON_AddNumberToObject(o, "mapping_utilization", l->map_util);
        cJSON_AddNumberToObject(o, "utilization", l->util);
        cJSON_AddNumberToObject(o, "weight_bits", l->wbits);
        cJSON_AddNumberToObject(o, "activation_bits", l->xbits);
        cJSON_AddItemToObject(o, "traffic",
                              traffic_json(l->buf_reads, l->buf_writes, l->dram_bytes));
        cJSON_AddItemToObject(o, "energy", energy_json(&l->e));
        cJSON_AddNumberToObject(o, "baseline_cycles", (double)l->base_cycles);
        cJSON_AddNumberToObject(o, "baseline_energy_pj", l->base_energy);
        cJSON_AddNumberToObject(o, "speedup", (double)l->base_cycles / (double)l->total_cycles);
        cJSON_AddItemToArray(layers, o);
    }
    cJSON_AddItemToObject(root, "total", totals_json(&r->tot));
    cJSON_AddItemToObject(root, "baseline_fxp8", totals_json(&r->base));
    cJSON_AddNumberToObject(root, "speedup", r->speedup);
    cJSON_AddNumberToObject(root, "energy_ratio", r->energy_ratio);
    char *text = cJSON_Print(root);
    cJSON_Delete(root);
    if (!text)
        return fm_error_set(err, FM_ERR_NOMEM, "out of memory");
    fm_status st = write_text(path, text, err);
    cJSON_free(text);
    return st;
}

fm_status fm_hw_write_csv(const fm_hw_result *r, const char *path, fm_error *err)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return fm_error_set(err, FM_ERR_IO, "%s: cannot write: %s", path, strerror(errno));
    fprintf(f, "layer,macs,Sr,Sc,T,folds,cycles_per_mac,compute_cycles,stall_cycles,total_cycles,"
               "map_util,util,weight_bits,activation_bits,in_buf_reads,w_buf_reads,out_buf_reads,"
               "in_buf_writes,w_buf_writes,out_buf_writes,in_dram_bytes,w_dram_bytes,"
               "out_dram_bytes,e_mac_pj,e_buffers_pj,e_dram_pj,e_leakage_pj,e_total_pj,"
               "baseline_cycles,baseline_energy_pj,speedup\n");
    for (int i = 0; i < r->n; i++) {
        const fm_hw_layer_result *l = &r->layers[i];
        /* layer names from model files may hold commas or quotes */
        fputc('"', f);
        for (const char *p = l->name; *p; p++) {
            if (*p == '"')
                fputc('"', f);
            fputc(*p, f);
        }
        fprintf(f, "\",%lld,%lld,%lld,%lld,%lld,%.6g,%lld,%lld,%lld,%.6f,%.6f,%g,%g,%lld,%lld,%lld,"
                   "%lld,%lld,%lld,%.0f,%.0f,%.0f,%.6g,%.6g,%.6g,%.6g,%.6g,%lld,%.6g,%.6f\n",
                (long long)l->macs, (long long)l->Sr, (long long)l->Sc, (long long)l->T,
                (long long)l->folds, (double)l->cpm_num / l->cpm_den, (long long)l->compute_cycles,
                (long long)l->stall_cycles, (long long)l->total_cycles, l->map_util, l->util,
                l->wbits, l->xbits, (long long)l->buf_reads[0], (long long)l->buf_reads[1],
                (long long)l->buf_reads[2], (long long)l->buf_writes[0],
                (long long)l->buf_writes[1], (long long)l->buf_writes[2], l->dram_bytes[0],
                l->dram_bytes[1], l->dram_bytes[2], l->e.mac, l->e.buffers, l->e.dram,
                l->e.leakage, l->e.total, (long long)l->base_cycles, l->base_energy,
                (double)l->base_cycles / (double)l->total_cycles);
    }
    int bad = ferror(f);
    bad |= fclose(f) != 0;
    return bad ? fm_error_set(err, FM_ERR_IO, "%s: write failed", path) : FM_OK;
}

static void xml_text(FILE *f, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '&': fputs("&amp;", f); break;
        case '"': fputs("&quot;", f); break;
        default: fputc(*s, f);
        }
    }
}

/* Two panels sharing the layer axis: stacked energy bars (MAC, buffers,
 * DRAM, leakage) and the speed-up over FxP8 (a reference line at 1). */
fm_status fm_hw_write_svg(const fm_hw_result *r, const char *path, fm_error *err)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return fm_error_set(err, FM_ERR_IO, "%s: cannot write: %s", path, strerror(errno));
    const double bw = 14, gap = 4, left = 70, top = 58, ph = 260, sgap = 60, sh = 160;
    size_t longest = 0;
    for (int i = 0; i < r->n; i++)
        longest = strlen(r->layers[i].name) > longest ? strlen(r->layers[i].name) : longest;
    /* wide enough for the two title lines, tall enough for the rotated
     * layer names (about 4.3 px per 8-pt character at 60 degrees) */
    const double width = fmax(left + r->n * (bw + gap) + 160, 620);
    const double height = top + ph + sgap + sh + 30 + 4.3 * (double)longest;
    double emax = 0, smax = 1;
    for (int i = 0; i < r->n; i++) {
        const fm_hw_layer_result *l = &r->layers[i];
        emax = fmax(emax, l->e.total);
        smax = fmax(smax, (double)l->base_cycles / (double)l->total_cycles);
    }
    if (emax <= 0)
        emax = 1;
    static const char *colors[4] = {"#4e79a7", "#f28e2b", "#e15759", "#76b7b2"};
    static const char *labels[4] = {"MAC", "buffers", "DRAM", "leakage"};
    fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" "
               "font-family=\"sans-serif\" font-size=\"11\">\n",
            width, height);
    fprintf(f, "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n<text x=\"%g\" y=\"20\" "
               "font-size=\"14\">",
            left);
    xml_text(f, r->net);
    fputs(" on ", f);
    xml_text(f, r->arch);
    fputs(" (", f);
    xml_text(f, r->arith);
    fprintf(f, ")</text>\n<text x=\"%g\" y=\"40\" font-size=\"13\">energy per layer (max %.3g uJ)</text>\n",
            left, emax * 1e-6);
    fprintf(f, "<line x1=\"%g\" y1=\"%g\" x2=\"%g\" y2=\"%g\" stroke=\"black\"/>\n", left, top + ph,
            width - 150, top + ph);
    fprintf(f, "<text x=\"5\" y=\"%g\">uJ</text><text x=\"5\" y=\"%g\">%.3g</text>\n",
            top + ph / 2, top + 10, emax * 1e-6);
    for (int i = 0; i < r->n; i++) {
        const fm_hw_layer_result *l = &r->layers[i];
        double parts[4] = {l->e.mac, l->e.buffers, l->e.dram, l->e.leakage};
        double x = left + i * (bw + gap), y = top + ph;
        for (int k = 0; k < 4; k++) {
            double h = parts[k] / emax * ph;
            y -= h;
            fprintf(f,
                    "<rect x=\"%.1f\" y=\"%.2f\" width=\"%g\" height=\"%.2f\" fill=\"%s\">"
                    "<title>",
                    x, y, bw, h, colors[k]);
            xml_text(f, l->name);
            fprintf(f, " %s %.4g uJ</title></rect>\n", labels[k], parts[k] * 1e-6);
        }
        fprintf(f, "<text transform=\"translate(%.1f,%g) rotate(60)\" font-size=\"8\">", x + 3,
                top + ph + sgap + sh + 8);
        xml_text(f, l->name);
        fputs("</text>\n", f);
    }
    for (int k = 0; k < 4; k++)
        fprintf(f, "<rect x=\"%g\" y=\"%g\" width=\"10\" height=\"10\" fill=\"%s\"/>"
                   "<text x=\"%g\" y=\"%g\">%s</text>\n",
                width - 140, top + 16.0 * k, colors[k], width - 125, top + 16.0 * k + 9, labels[k]);
    /* speed-up panel */
    double s0 = top + ph + sgap;
    fprintf(f, "<text x=\"%g\" y=\"%g\" font-size=\"14\">speed-up over FxP8 (max %.3g)</text>\n",
            left, s0 - 10, smax);
    fprintf(f, "<line x1=\"%g\" y1=\"%g\" x2=\"%g\" y2=\"%g\" stroke=\"black\"/>\n", left, s0 + sh,
            width - 150, s0 + sh);
    double y1 = s0 + sh - sh / smax;
    fprintf(f, "<line x1=\"%g\" y1=\"%.2f\" x2=\"%g\" y2=\"%.2f\" stroke=\"gray\" "
               "stroke-dasharray=\"4\"/><text x=\"5\" y=\"%.2f\">1x</text>\n",
            left, y1, width - 150, y1, y1 + 4);
    for (int i = 0; i < r->n; i++) {
        const fm_hw_layer_result *l = &r->layers[i];
        double s = (double)l->base_cycles / (double)l->total_cycles;
        double h = s / smax * sh;
        fprintf(f, "<rect x=\"%.1f\" y=\"%.2f\" width=\"%g\" height=\"%.2f\" fill=\"#59a14f\">"
                   "<title>%.3fx</title></rect>\n",
                left + i * (bw + gap), s0 + sh - h, bw, h, s);
    }
    fputs("</svg>\n", f);
    int bad = ferror(f);
    bad |= fclose(f) != 0;
    return bad ? fm_error_set(err, FM_ERR_IO, "%s: write failed", path) : FM_OK;
}
